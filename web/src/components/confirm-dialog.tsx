import { useEffect, useId, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { FormAlert, toFormFailure } from "./form.js";
import type { FormFailure } from "./form.js";

interface ConfirmDialogProps {
  title: string;
  /** The question, in full: it is the dialog's description. */
  message: string;
  confirmLabel: string;
  /** Runs the action; the dialog then closes. A failure is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/**
 * A modal confirmation for a destructive action; render it only while it is open. It opens as a
 * native modal dialog (the rest of the page inert and hidden from assistive technology), puts the
 * focus on Cancel, closes with Escape, and gives the focus back to whatever opened it.
 */
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const { t } = useTranslation();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const messageId = useId();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const app = document.getElementById("root");
    app?.setAttribute("aria-hidden", "true");
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      app?.removeAttribute("aria-hidden");
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  async function confirm() {
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await onConfirm();
    } catch (error) {
      setFailure(toFormFailure(error));
      setBusy(false);
      return;
    }
    onClose();
  }

  return createPortal(
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <p id={messageId}>{message}</p>
      <FormAlert failure={failure} />
      <div className="dialog-actions">
        <button ref={cancelRef} type="button" className="button button-secondary" onClick={onClose}>
          {t("dialog.cancel")}
        </button>
        <button
          type="button"
          className="button button-danger"
          aria-disabled={busy || undefined}
          aria-busy={busy || undefined}
          onClick={() => void confirm()}
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          {confirmLabel}
        </button>
      </div>
    </dialog>,
    document.body,
  );
}
