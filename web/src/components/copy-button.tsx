import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

interface CopyButtonProps {
  /** What is copied, named in the button's accessible name: "Copy apiUrl". */
  field: string;
  /** The text to copy, or a function that fetches it first (such as a token shown only on demand). */
  value: string | (() => Promise<string>);
}

/** Copies with the Clipboard API, or, outside a secure context, through a selected text area. */
async function writeClipboard(text: string): Promise<void> {
  if (window.isSecureContext && navigator.clipboard) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const previousFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const buffer = document.createElement("textarea");
  buffer.value = text;
  buffer.readOnly = true;
  buffer.className = "clipboard-buffer";
  buffer.setAttribute("aria-hidden", "true");
  document.body.append(buffer);
  buffer.select();
  const copied = document.execCommand("copy");
  buffer.remove();
  previousFocus?.focus();
  if (!copied) throw new Error("copy command refused");
}

type Outcome = "copied" | "failed" | null;

/** A "Copy" button with its own status line, which says "Copied" for a moment. */
export function CopyButton({ field, value }: CopyButtonProps) {
  const { t } = useTranslation();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    if (busy) return;
    setBusy(true);
    clearTimeout(timer.current);
    let result: Outcome;
    try {
      await writeClipboard(typeof value === "string" ? value : await value());
      result = "copied";
    } catch {
      result = "failed";
    } finally {
      setBusy(false);
    }
    setOutcome(result);
    timer.current = setTimeout(() => setOutcome(null), 2500);
  }

  return (
    <span className="copy">
      <button type="button" className="button button-secondary button-small" aria-busy={busy || undefined} onClick={() => void copy()}>
        <CopyIcon />
        {/* The visible word starts the accessible name ("Copy apiUrl"), as voice control expects. */}
        {t("copy.button")}
        <span className="visually-hidden"> {field}</span>
      </button>
      <span role="status" className={outcome === "failed" ? "copy-status copy-status-failed" : "copy-status"}>
        {outcome === "copied" ? t("copy.done") : outcome === "failed" ? t("copy.failed") : ""}
      </span>
    </span>
  );
}

function CopyIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="8" y="8" width="12" height="12" rx="2" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" fill="none" stroke="currentColor" strokeWidth="1.8" />
    </svg>
  );
}
