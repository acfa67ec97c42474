const MASK = "••••••••••••••••";

/**
 * A credential as code, left to right in every language; while hidden, a mask that screen
 * readers announce in words instead.
 */
export function CredentialValue({ value, hidden, hiddenLabel }: { value: string; hidden: boolean; hiddenLabel: string }) {
  return (
    <code className="credential-value" dir="ltr">
      {hidden ? (
        <>
          <span aria-hidden="true">{MASK}</span>
          <span className="visually-hidden">{hiddenLabel}</span>
        </>
      ) : (
        value
      )}
    </code>
  );
}
