import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { API_METHODS } from "../../../../shared/green-api-methods.js";
import type { ApiMethod } from "../../../../shared/green-api-methods.js";
import type { FieldErrorCode } from "../../../../shared/errors.js";
import type { InstanceDetails } from "../../../../shared/instances.schemas.js";
import { callPublicApi, publicApiUrl, rawUploadHeaders } from "../../api/public-api.js";
import type { PublicApiAnswer, PublicApiBody } from "../../api/public-api.js";
import { FieldHint, fieldErrorId, fieldHintId } from "../../components/field-error.js";
import { FileField } from "../../components/file-field.js";
import { FormAlert, SubmitButton, toFormFailure } from "../../components/form.js";
import type { FormFailure } from "../../components/form.js";
import { TextField } from "../../components/text-field.js";
import type { InstanceToken } from "./use-instance-token.js";

const GROUPS = [...new Set(API_METHODS.map((method) => method.group))];
const LONG_POLL = "receiveNotification";

function findMethod(name: string): ApiMethod {
  return API_METHODS.find((method) => method.name === name) ?? (API_METHODS[0] as ApiMethod);
}

function exampleBody(method: ApiMethod): string {
  return JSON.stringify(method.exampleBody ?? {}, null, 2);
}

/** Field-level problems found before sending: the body's JSON, a missing receiptId or file. */
interface InputErrors {
  body?: string;
  receiptId?: string;
  file?: FieldErrorCode;
}

interface ApiConsoleProps {
  instance: InstanceDetails;
  token: InstanceToken;
}

/** The API tab: pick a method, adjust the example request, send it to the public API with the instance's token. */
export function ApiConsole({ instance, token }: ApiConsoleProps) {
  const { t } = useTranslation();
  const id = useId();
  const [method, setMethod] = useState<ApiMethod>(() => findMethod("getStateInstance"));
  const [body, setBody] = useState(() => exampleBody(method));
  const [query, setQuery] = useState(method.exampleQuery ?? "");
  const [receiptId, setReceiptId] = useState("");
  const [formFields, setFormFields] = useState<Record<string, string>>(() => ({ ...method.exampleFields }));
  const [file, setFile] = useState<File | null>(null);
  const [inputErrors, setInputErrors] = useState<InputErrors>({});
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<PublicApiAnswer | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const receiptRef = useRef<HTMLInputElement>(null);
  const running = useRef<AbortController | null>(null);

  useEffect(() => () => running.current?.abort(), []);

  const takesBody = method.verb === "POST" && method.upload === undefined;
  const takesQuery = method.verb === "GET" && method.exampleQuery !== undefined;
  // Methods that take a file are served on the mediaUrl, as GREEN-API's are.
  const baseUrl = method.upload ? instance.mediaUrl : instance.apiUrl;
  // The preview names what is not filled in yet: {apiTokenInstance}, {receiptId} (braces kept unescaped).
  const preview = publicApiUrl({
    apiUrl: baseUrl,
    idInstance: instance.idInstance,
    method: method.name,
    apiTokenInstance: "{apiTokenInstance}",
    pathSuffix: method.takesReceiptId ? receiptId.trim() || "{receiptId}" : undefined,
    query: takesQuery ? query : undefined,
  }).replace(/%7B(\w+)%7D/g, "{$1}");

  function choose(name: string) {
    const next = findMethod(name);
    running.current?.abort();
    setMethod(next);
    setBody(exampleBody(next));
    setQuery(next.exampleQuery ?? "");
    setReceiptId("");
    setFormFields({ ...next.exampleFields });
    setFile(null);
    setInputErrors({});
    setAnswer(null);
    setFailure(null);
  }

  function check(): InputErrors {
    const errors: InputErrors = {};
    if (takesBody) {
      try {
        JSON.parse(body);
      } catch (error) {
        errors.body = t("apiConsole.invalidJson", { detail: error instanceof Error ? error.message : "" });
      }
    }
    if (method.takesReceiptId && !/^\d+$/.test(receiptId.trim())) errors.receiptId = t("apiConsole.receiptIdInvalid");
    if (method.upload && file === null) errors.file = "required";
    return errors;
  }

  function requestBody(): PublicApiBody | undefined {
    if (method.upload === "multipart" && file) {
      // A field emptied is one not sent, as an SDK leaves out an argument it was not given.
      const filled = Object.fromEntries(Object.entries(formFields).filter(([, value]) => value !== ""));
      return { kind: "multipart", fields: filled, file };
    }
    if (method.upload === "raw" && file) return { kind: "raw", file };
    return takesBody ? { kind: "json", text: body } : undefined;
  }

  function chooseFile(next: File | null) {
    setFile(next);
    setInputErrors((previous) => ({ ...previous, file: undefined }));
    // The example's fileName would misname the file picked: it follows the pick, and stays editable.
    if (next && formFields.fileName !== undefined) setFormFields((previous) => ({ ...previous, fileName: next.name }));
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const errors = check();
    setInputErrors(errors);
    if (errors.body) {
      bodyRef.current?.focus();
      return;
    }
    if (errors.receiptId) {
      receiptRef.current?.focus();
      return;
    }
    if (errors.file) {
      document.getElementById(fileId)?.focus();
      return;
    }
    const controller = new AbortController();
    running.current = controller;
    setBusy(true);
    setAnswer(null);
    setFailure(null);
    try {
      const apiTokenInstance = await token.load();
      const result = await callPublicApi({
        apiUrl: baseUrl,
        idInstance: instance.idInstance,
        apiTokenInstance,
        method: method.name,
        verb: method.verb,
        pathSuffix: method.takesReceiptId ? receiptId.trim() : undefined,
        query: takesQuery ? query : undefined,
        body: requestBody(),
        signal: controller.signal,
      });
      if (!controller.signal.aborted) setAnswer(result);
    } catch (error) {
      if (!controller.signal.aborted) setFailure(toFormFailure(error));
    } finally {
      if (running.current === controller) {
        running.current = null;
        setBusy(false);
      }
    }
  }

  const methodId = `${id}-method`;
  const bodyId = `${id}-body`;
  const queryId = `${id}-query`;
  const receiptIdId = `${id}-receipt`;
  const fileId = `${id}-file`;
  const uploadHeader = uploadHeaderPreview(method, file);

  return (
    <section className="card console-card api-console">
      <h2>{t("apiConsole.title")}</h2>
      <p className="muted">{t("apiConsole.intro")}</p>
      <form className="form" noValidate onSubmit={(event) => void onSubmit(event)}>
        <div className="api-method-row">
          <div className="field">
            <label htmlFor={methodId}>{t("apiConsole.method")}</label>
            <select id={methodId} className="input select" value={method.name} onChange={(event) => choose(event.target.value)}>
              {GROUPS.map((group) => (
                <optgroup key={group} label={t(`apiConsole.groups.${group}`)}>
                  {API_METHODS.filter((candidate) => candidate.group === group).map((candidate) => (
                    <option key={candidate.name} value={candidate.name}>
                      {candidate.name}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
          <p className="api-verb">
            <span className="visually-hidden">{t("apiConsole.verb")} </span>
            <span className={`verb verb-${method.verb.toLowerCase()}`}>{method.verb}</span>
          </p>
        </div>
        <p className="api-url">
          <span className="api-url-label">{t("apiConsole.url")}</span>{" "}
          <code dir="ltr">
            {method.verb} {preview}
          </code>
          {uploadHeader && <code dir="ltr">{uploadHeader}</code>}
        </p>
        {takesQuery && (
          <div className="field">
            <label htmlFor={queryId}>{t("apiConsole.query")}</label>
            <input
              id={queryId}
              className="input code-input"
              dir="ltr"
              autoComplete="off"
              spellCheck={false}
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              aria-describedby={method.name === LONG_POLL ? fieldHintId(queryId) : undefined}
            />
            {method.name === LONG_POLL && <FieldHint fieldId={queryId}>{t("apiConsole.longPollHint")}</FieldHint>}
          </div>
        )}
        {method.takesReceiptId && (
          <div className="field">
            <label htmlFor={receiptIdId}>receiptId</label>
            <input
              ref={receiptRef}
              id={receiptIdId}
              className="input code-input"
              dir="ltr"
              inputMode="numeric"
              autoComplete="off"
              value={receiptId}
              onChange={(event) => {
                setReceiptId(event.target.value);
                setInputErrors((previous) => ({ ...previous, receiptId: undefined }));
              }}
              aria-invalid={inputErrors.receiptId ? true : undefined}
              aria-describedby={inputErrors.receiptId ? fieldErrorId(receiptIdId) : undefined}
            />
            {inputErrors.receiptId && (
              <p id={fieldErrorId(receiptIdId)} className="field-error">
                {inputErrors.receiptId}
              </p>
            )}
          </div>
        )}
        {takesBody && (
          <div className="field">
            <label htmlFor={bodyId}>{t("apiConsole.body")}</label>
            <textarea
              ref={bodyRef}
              id={bodyId}
              className="input code-input"
              dir="ltr"
              rows={Math.min(14, Math.max(4, body.split("\n").length + 1))}
              spellCheck={false}
              value={body}
              onChange={(event) => {
                setBody(event.target.value);
                setInputErrors((previous) => ({ ...previous, body: undefined }));
              }}
              aria-invalid={inputErrors.body ? true : undefined}
              aria-describedby={inputErrors.body ? fieldErrorId(bodyId) : undefined}
            />
            {inputErrors.body && (
              <p id={fieldErrorId(bodyId)} className="field-error">
                {inputErrors.body}
              </p>
            )}
          </div>
        )}
        {method.upload === "multipart" && (
          <fieldset className="fieldset api-form-fields">
            <legend>{t("apiConsole.formFields")}</legend>
            {Object.entries(formFields).map(([name, value]) => (
              <TextField
                key={name}
                id={`${id}-field-${name}`}
                label={name}
                dir="auto"
                autoComplete="off"
                spellCheck={false}
                value={value}
                onValueChange={(next) => setFormFields((previous) => ({ ...previous, [name]: next }))}
              />
            ))}
          </fieldset>
        )}
        {method.upload && (
          <FileField
            id={fileId}
            label={t("apiConsole.file")}
            hint={method.upload === "multipart" ? t("apiConsole.multipartHint") : t("apiConsole.rawHint")}
            value={file}
            onValueChange={chooseFile}
            error={inputErrors.file}
          />
        )}
        <SubmitButton busy={busy}>{t("apiConsole.send")}</SubmitButton>
      </form>
      <FormAlert failure={failure} />
      <div role="status" className="status-region api-status">
        {busy && <p className="muted">{method.name === LONG_POLL ? t("apiConsole.waitingLongPoll") : t("apiConsole.waiting")}</p>}
        {answer && (
          <dl className="api-answer-status">
            <dt>{t("apiConsole.status")}</dt>
            <dd>
              <span className={answer.status < 400 ? "http-status http-ok" : "http-status http-error"}>{answer.status}</span>
              {answer.statusText && <span className="muted"> {answer.statusText}</span>}
            </dd>
          </dl>
        )}
      </div>
      {answer && (
        <div className="api-answer">
          <h3>{t("apiConsole.response")}</h3>
          <pre className="api-response" dir="ltr" tabIndex={0}>
            {answer.body === "" ? t("apiConsole.emptyBody") : answer.body}
          </pre>
        </div>
      )}
    </section>
  );
}

/** The header that says how the file travels, shown beside the URL. */
function uploadHeaderPreview(method: ApiMethod, file: File | null): string | undefined {
  if (method.upload === "multipart") return "Content-Type: multipart/form-data";
  if (method.upload !== "raw" || file === null) return undefined;
  return Object.entries(rawUploadHeaders(file))
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}
