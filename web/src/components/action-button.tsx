import type { ReactNode } from "react";

interface ActionButtonProps {
  /** While its action runs: a spinner, and announced as busy. */
  busy?: boolean;
  danger?: boolean;
  small?: boolean;
  /** It opens a confirmation dialog rather than acting at once. */
  opensDialog?: boolean;
  onClick: () => void;
  children: ReactNode;
}

/** A button that runs an action on the page (reboot, resume, redeliver…), busy while it runs. */
export function ActionButton({ busy = false, danger = false, small = false, opensDialog = false, onClick, children }: ActionButtonProps) {
  const variant = danger ? "button button-danger-outline" : "button button-secondary";
  return (
    <button
      type="button"
      className={small ? `${variant} button-small` : variant}
      aria-haspopup={opensDialog ? "dialog" : undefined}
      aria-disabled={busy || undefined}
      aria-busy={busy || undefined}
      onClick={onClick}
    >
      {busy && <span className="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}
