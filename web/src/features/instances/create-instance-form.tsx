import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { createInstanceRequestSchema } from "../../../../shared/instances.schemas.js";
import { createInstance } from "../../api/instances.js";
import { Form, useFormValues } from "../../components/form.js";
import { TextField } from "../../components/text-field.js";
import { instancePath } from "./paths.js";

/** The small "New instance" form; a created instance opens on its own page. */
export function CreateInstanceForm({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const form = useFormValues({ name: "" });

  function onSubmit() {
    const request = form.values;
    void form.submit(createInstanceRequestSchema, request, async () => {
      const instance = await createInstance(request);
      navigate(instancePath(instance.idInstance));
    });
  }

  return (
    <section className="card console-card create-instance">
      <div className="card-head">
        <h2>{t("console.instances.createTitle")}</h2>
        <button type="button" className="button button-secondary button-small" onClick={onCancel}>
          {t("dialog.cancel")}
        </button>
      </div>
      <Form form={form} submitLabel={t("console.instances.createSubmit")} onSubmit={onSubmit}>
        <TextField
          id="instance-name"
          label={t("console.instances.name")}
          hint={t("console.instances.nameHint")}
          autoComplete="off"
          autoFocus
          {...form.fieldProps("name")}
        />
      </Form>
    </section>
  );
}
