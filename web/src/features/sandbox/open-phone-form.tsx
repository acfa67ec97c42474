import { useTranslation } from "react-i18next";
import { z } from "zod";
import { openPhone } from "../../api/sandbox.js";
import { Form, useFormValues } from "../../components/form.js";
import { normalizePhoneNumber, PhoneNumberField, phoneNumberInputSchema } from "../../components/phone-number-field.js";

const schema = z.object({ number: phoneNumberInputSchema });

/** "Phone number" + Open phone: opens (and if new, creates) a sandbox phone. */
export function OpenPhoneForm({ onOpened }: { onOpened: (number: string) => void }) {
  const { t } = useTranslation();
  const form = useFormValues({ number: "" });

  function onSubmit() {
    const request = { number: normalizePhoneNumber(form.values.number) };
    void form.submit(schema, request, async () => {
      const phone = await openPhone(request.number);
      form.resetValues();
      onOpened(phone.number);
    });
  }

  return (
    <div className="card inline-form open-phone">
      <Form form={form} submitLabel={t("sandbox.open.submit")} onSubmit={onSubmit}>
        <PhoneNumberField
          id="sandbox-open-number"
          label={t("sandbox.open.number")}
          hint={t("sandbox.numberHint")}
          {...form.fieldProps("number")}
        />
      </Form>
    </div>
  );
}
