import { useState } from "react";
import { useTranslation } from "react-i18next";
import { sandboxLinkRequestSchema } from "../../../../shared/sandbox.schemas.js";
import { Form, useFormValues } from "../../components/form.js";
import { TextField } from "../../components/text-field.js";
import { extractLinkCode, LinkedMessage, linkWithCode } from "./linking.js";
import type { LinkResult } from "./linking.js";

/** "Link an instance": a pairing code typed by hand, or the code (or whole link) of a QR code. */
export function LinkInstanceForm({ number, onLinked }: { number: string; onLinked: (result: LinkResult) => void }) {
  const { t } = useTranslation();
  const form = useFormValues({ code: "" });
  const [linked, setLinked] = useState<LinkResult | null>(null);

  function onSubmit() {
    setLinked(null);
    const request = { code: extractLinkCode(form.values.code) };
    void form.submit(sandboxLinkRequestSchema, request, async () => {
      const result = await linkWithCode(number, request.code);
      form.resetValues();
      setLinked(result);
      onLinked(result);
    });
  }

  return (
    <div className="link-instance">
      <h4 className="minor-heading">{t("sandbox.linkForm.title")}</h4>
      <div className="inline-form">
        <Form form={form} submitLabel={t("sandbox.link")} onSubmit={onSubmit}>
          <TextField
            id={`sandbox-${number}-code`}
            label={t("sandbox.linkForm.code")}
            hint={t("sandbox.linkForm.hint")}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            dir="ltr"
            {...form.fieldProps("code")}
          />
        </Form>
      </div>
      <div role="status" className="status-region">
        {linked && <LinkedMessage result={linked} />}
      </div>
    </div>
  );
}
