import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { getPairingCode } from "../../api/instances.js";
import { Form, useFormValues } from "../../components/form.js";
import { normalizePhoneNumber, PhoneNumberField, phoneNumberInputSchema } from "../../components/phone-number-field.js";

const schema = z.object({ phoneNumber: phoneNumberInputSchema });

/** "Link with phone number": the person gets a code here and types it on the sandbox phone. */
export function PairingCodeForm({ idInstance }: { idInstance: number }) {
  const { t } = useTranslation();
  const form = useFormValues({ phoneNumber: "" });
  const [code, setCode] = useState<string | null>(null);

  function onSubmit() {
    const request = { phoneNumber: normalizePhoneNumber(form.values.phoneNumber) };
    setCode(null);
    void form.submit(schema, request, async () => {
      setCode(await getPairingCode(idInstance, request.phoneNumber));
    });
  }

  return (
    <>
      <Form form={form} submitLabel={t("instance.linking.getCode")} onSubmit={onSubmit}>
        <PhoneNumberField
          id="pairing-phone-number"
          label={t("instance.linking.phoneNumber")}
          hint={t("sandbox.numberHint")}
          {...form.fieldProps("phoneNumber")}
        />
      </Form>
      <div role="status" className="status-region">
        {code !== null && (
          <div className="pairing-code">
            <p className="pairing-code-label">{t("instance.linking.code")}</p>
            <p className="pairing-code-value" dir="ltr">
              {code}
            </p>
            <p className="muted">{t("instance.linking.codeHint")}</p>
          </div>
        )}
      </div>
    </>
  );
}
