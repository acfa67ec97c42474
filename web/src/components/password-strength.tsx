import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { passwordLength } from "../../../shared/accounts.schemas.js";
import { PASSWORD_MIN_LENGTH } from "../../../shared/limits.js";
import { contextWords, isBuiltFromContext } from "../../../shared/password-context.js";
import { estimatePasswordStrength } from "./password-strength-estimator.js";
import type { StrengthScore } from "./password-strength-estimator.js";

const LEVELS = ["veryWeak", "weak", "fair", "good", "strong"] as const;
const MAX_SCORE = LEVELS.length - 1;
/** Estimating a long password takes a few milliseconds; waiting for a pause in typing keeps input smooth. */
const TYPING_PAUSE_MS = 120;

interface Estimate {
  password: string;
  score: StrengthScore;
}

/**
 * The strength of the password being typed, or null before there is anything to show.
 * Passwords the server refuses whatever their entropy (too short, made of the account's
 * context words) score 0 at once, without waiting for the estimator.
 */
function usePasswordStrength(password: string, email: string): StrengthScore | null {
  const [estimate, setEstimate] = useState<Estimate | null>(null);

  useEffect(() => {
    if (password === "") return;
    let current = true;
    const timer = setTimeout(() => {
      estimatePasswordStrength(password, contextWords(email)).then(
        (score) => {
          if (current) setEstimate({ password, score });
        },
        () => {
          // Without the estimator there is no meter; the form works the same.
        },
      );
    }, TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [password, email]);

  if (password === "") return null;
  if (passwordLength(password) < PASSWORD_MIN_LENGTH || isBuiltFromContext(password, email)) return 0;
  // While the estimate of the latest input is on its way, the previous one stays up rather than flicker.
  return estimate?.score ?? null;
}

interface PasswordStrengthProps {
  password: string;
  /** The account's email: its local part counts as guessable, as the product's name does. */
  email: string;
}

/**
 * A meter of how hard the password being chosen is to guess, with its level in words. It only
 * advises: the form submits whatever it shows, and the server decides.
 */
export function PasswordStrength({ password, email }: PasswordStrengthProps) {
  const { t } = useTranslation();
  const score = usePasswordStrength(password, email);
  // Until there is a score, an empty meter keeps its place, so that nothing below it moves as one arrives.
  if (score === null) {
    return (
      <div className="strength" aria-hidden="true">
        <div className="strength-meter">
          {LEVELS.map((name) => (
            <span key={name} className="strength-segment" />
          ))}
        </div>
        <p className="strength-text">{"\u00a0"}</p>
      </div>
    );
  }
  const level = t(`passwordStrength.levels.${LEVELS[score]}`);

  return (
    <div className={`strength strength-${score}`}>
      <div
        role="meter"
        className="strength-meter"
        aria-label={t("passwordStrength.label")}
        aria-valuemin={0}
        aria-valuemax={MAX_SCORE}
        aria-valuenow={score}
        aria-valuetext={level}
      >
        {LEVELS.map((name, index) => (
          <span key={name} className={index <= score ? "strength-segment is-filled" : "strength-segment"} />
        ))}
      </div>
      {/* The meter already tells assistive technology its level; this line is for the eye. */}
      <p className="strength-text" aria-hidden="true">
        {t("passwordStrength.summary", { level })}
      </p>
    </div>
  );
}
