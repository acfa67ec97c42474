import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { ApiError } from "../../api/client.js";
import { Form, useFormValues } from "../../components/form.js";
import { normalizePhoneNumber, PhoneNumberField, phoneNumberInputSchema } from "../../components/phone-number-field.js";
import { linkWithCode } from "./linking.js";
import type { LinkResult } from "./linking.js";

const schema = z.object({ number: phoneNumberInputSchema });

interface LinkBoxProps {
  /** The `link` query parameter of the QR code's URL. */
  code: string;
  /** Open phones to choose from; with none, the box asks for a number. */
  phones: readonly string[];
  onLinked: (result: LinkResult) => void;
}

/** Shown when /sandbox is opened from a QR link: links that instance to the chosen phone. */
export function LinkBox({ code, phones, onLinked }: LinkBoxProps) {
  const { t } = useTranslation();
  const form = useFormValues({ number: "" });
  const [chosen, setChosen] = useState("");
  const [codeRejected, setCodeRejected] = useState(false);
  const choosing = phones.length > 0;
  const selected = choosing && phones.includes(chosen) ? chosen : (phones[0] ?? "");

  function onSubmit() {
    setCodeRejected(false);
    const request = { number: choosing ? selected : normalizePhoneNumber(form.values.number) };
    void form.submit(schema, request, async () => {
      try {
        onLinked(await linkWithCode(request.number, code));
      } catch (error) {
        // The code is the link's, not typed here: say what to do instead of marking a field.
        if (error instanceof ApiError && error.body.fields?.code) {
          setCodeRejected(true);
          return;
        }
        throw error;
      }
    });
  }

  return (
    <section className="card console-card link-box">
      <h2>{t("sandbox.linkBox.title")}</h2>
      <p className="muted">{t(choosing ? "sandbox.linkBox.choose" : "sandbox.linkBox.type")}</p>
      {codeRejected && (
        <div role="alert" className="alert alert-error">
          {t("sandbox.linkBox.codeRejected")}
        </div>
      )}
      <div className="inline-form">
        <Form form={form} submitLabel={t("sandbox.link")} onSubmit={onSubmit}>
          {choosing ? (
            <div className="field">
              <label htmlFor="link-box-phone">{t("sandbox.linkBox.phone")}</label>
              <select
                id="link-box-phone"
                className="input select"
                dir="ltr"
                value={selected}
                onChange={(event) => setChosen(event.target.value)}
              >
                {phones.map((number) => (
                  <option key={number} value={number}>
                    +{number}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <PhoneNumberField
              id="link-box-number"
              label={t("sandbox.open.number")}
              hint={t("sandbox.numberHint")}
              {...form.fieldProps("number")}
            />
          )}
        </Form>
      </div>
    </section>
  );
}
