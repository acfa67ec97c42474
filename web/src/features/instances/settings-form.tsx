import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { MAX_SEND_DELAY_MS, MIN_SEND_DELAY_MS, YES_NO_SETTINGS } from "../../../../shared/green-api.js";
import type { WritableSettings, YesNo, YesNoSetting } from "../../../../shared/green-api.js";
import type { FieldErrorCode } from "../../../../shared/errors.js";
import { getInstanceSettings, saveInstanceSettings } from "../../api/instances.js";
import { CheckboxField } from "../../components/checkbox-field.js";
import { Form, FormAlert, toFormFailure, useFormValues } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { LoadingStatus } from "../../components/loading-status.js";
import { TextField } from "../../components/text-field.js";
import { usePolling } from "../../components/use-polling.js";

type Field = keyof WritableSettings;

const MESSAGE_FLAGS: readonly YesNoSetting[] = [
  "markIncomingMessagesReaded",
  "markIncomingMessagesReadedOnReply",
  "enableMessagesHistory",
  "keepOnlineStatus",
];

/** The form's fields as GREEN-API names them, in three groups; every other flag is a notification switch. */
const GROUPS: readonly { id: "endpoint" | "messages" | "notifications"; flags: readonly YesNoSetting[] }[] = [
  { id: "endpoint", flags: [] },
  { id: "messages", flags: MESSAGE_FLAGS },
  { id: "notifications", flags: YES_NO_SETTINGS.filter((flag) => !MESSAGE_FLAGS.includes(flag)) },
];

/** What the form holds: the delay as typed, every flag as a checkbox. */
type Values = Omit<WritableSettings, "delaySendMessagesMilliseconds" | YesNoSetting> & {
  delaySendMessagesMilliseconds: string;
} & Record<YesNoSetting, boolean>;

const settingsSchema = z.object({
  webhookUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/, error: "invalid" })], { error: "invalid" }),
  webhookUrlToken: z.string().max(500, "too_long"),
  delaySendMessagesMilliseconds: z
    .number({ error: "invalid" })
    .int("invalid")
    .min(MIN_SEND_DELAY_MS, "invalid")
    .max(MAX_SEND_DELAY_MS, "invalid"),
});

function toValues(settings: WritableSettings): Values {
  const flags = Object.fromEntries(YES_NO_SETTINGS.map((flag) => [flag, settings[flag] === "yes"]));
  return {
    webhookUrl: settings.webhookUrl,
    webhookUrlToken: settings.webhookUrlToken,
    delaySendMessagesMilliseconds: String(settings.delaySendMessagesMilliseconds),
    ...(flags as Record<YesNoSetting, boolean>),
  };
}

function toSettings(values: Values): WritableSettings {
  const delay = values.delaySendMessagesMilliseconds.trim();
  const flags = Object.fromEntries(YES_NO_SETTINGS.map((flag) => [flag, values[flag] ? "yes" : "no"]));
  return {
    webhookUrl: values.webhookUrl.trim(),
    webhookUrlToken: values.webhookUrlToken,
    delaySendMessagesMilliseconds: delay === "" ? Number.NaN : Number(delay),
    ...(flags as Record<YesNoSetting, YesNo>),
  };
}

/**
 * The Settings tab: every setSettings field under its API name, with a description in the interface language.
 * `onSaved` lets the page show the restart that saving causes, without waiting for its next poll.
 */
export function SettingsForm({ idInstance, onSaved }: { idInstance: number; onSaved?: () => void }) {
  const [values, setValues] = useState<Values | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  // Loads once; while loading fails, tries again every few seconds.
  usePolling(
    async () => {
      try {
        setValues(toValues(await getInstanceSettings(idInstance)));
        setFailure(null);
      } catch (error) {
        setFailure(toFormFailure(error));
      }
    },
    5000,
    values === null,
  );

  if (values === null) return failure ? <FormAlert failure={failure} /> : <LoadingStatus />;
  return <SettingsFields idInstance={idInstance} initialValues={values} onSaved={onSaved} />;
}

function SettingsFields({
  idInstance,
  initialValues,
  onSaved,
}: {
  idInstance: number;
  initialValues: Values;
  onSaved: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const form = useFormValues(initialValues);
  /** The values last saved; the success message stays while the form still holds exactly them. */
  const [saved, setSaved] = useState<Values | null>(null);
  const describe = (field: Field) => t(`settings.descriptions.${field}`, { min: MIN_SEND_DELAY_MS });

  function onSubmit() {
    const values = form.values;
    const settings = toSettings(values);
    setSaved(null);
    void form.submit(settingsSchema, settings, async () => {
      await saveInstanceSettings(idInstance, settings);
      setSaved(values);
      onSaved?.();
    });
  }

  return (
    <section className="card console-card settings">
      <h2>{t("settings.title")}</h2>
      <p className="muted">{t("settings.intro")}</p>
      <Form form={form} submitLabel={t("settings.save")} onSubmit={onSubmit}>
        {GROUPS.map((group) => (
          <fieldset key={group.id} className="fieldset">
            <legend>{t(`settings.groups.${group.id}`)}</legend>
            {group.id === "endpoint" && (
              <>
                <TextField
                  id="settings-webhookUrl"
                  label="webhookUrl"
                  type="url"
                  inputMode="url"
                  autoComplete="off"
                  spellCheck={false}
                  dir="ltr"
                  placeholder="https://example.com/webhook"
                  hint={describe("webhookUrl")}
                  {...form.fieldProps("webhookUrl")}
                />
                <TextField
                  id="settings-webhookUrlToken"
                  label="webhookUrlToken"
                  autoComplete="off"
                  spellCheck={false}
                  dir="ltr"
                  hint={describe("webhookUrlToken")}
                  {...form.fieldProps("webhookUrlToken")}
                />
              </>
            )}
            {group.id === "messages" && (
              <TextField
                id="settings-delaySendMessagesMilliseconds"
                label="delaySendMessagesMilliseconds"
                type="number"
                inputMode="numeric"
                min={MIN_SEND_DELAY_MS}
                max={MAX_SEND_DELAY_MS}
                step={1}
                dir="ltr"
                hint={describe("delaySendMessagesMilliseconds")}
                {...form.fieldProps("delaySendMessagesMilliseconds")}
              />
            )}
            {group.flags.map((flag) => (
              <FlagField key={flag} description={describe(flag)} {...form.checkboxProps(flag)} name={flag} />
            ))}
          </fieldset>
        ))}
      </Form>
      <div role="status" className="status-region">
        {saved !== null && saved === form.values && <p className="alert alert-success">{t("settings.saved")}</p>}
      </div>
    </section>
  );
}

interface FlagFieldProps {
  name: YesNoSetting;
  description: string;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  error: FieldErrorCode | undefined;
}

/** A yes/no setting: a checkbox labelled with the field's API name, its description below. */
function FlagField({ name, description, checked, onCheckedChange, error }: FlagFieldProps) {
  return (
    <CheckboxField
      id={`settings-${name}`}
      name={name}
      label={name}
      labelClassName="setting-name"
      hint={description}
      checked={checked}
      onCheckedChange={onCheckedChange}
      error={error}
    />
  );
}
