import { useTranslation } from "react-i18next";
import { z } from "zod";
import { Form, useFormValues } from "../../components/form.js";
import { normalizePhoneNumber, PhoneNumberField, phoneNumberInputSchema } from "../../components/phone-number-field.js";

const schema = z.object({ number: phoneNumberInputSchema });

/** "Chat with (number)" + Start chat: opens an empty chat with any number. */
export function NewChatForm({ number, onStart }: { number: string; onStart: (chatId: string) => void }) {
  const { t } = useTranslation();
  const form = useFormValues({ number: "" });

  function onSubmit() {
    const request = { number: normalizePhoneNumber(form.values.number) };
    void form.submit(schema, request, async () => {
      form.resetValues();
      onStart(`${request.number}@c.us`);
    });
  }

  return (
    <div className="inline-form new-chat">
      <Form form={form} submitLabel={t("sandbox.newChat.submit")} onSubmit={onSubmit}>
        <PhoneNumberField id={`sandbox-${number}-new-chat`} label={t("sandbox.newChat.number")} {...form.fieldProps("number")} />
      </Form>
    </div>
  );
}
