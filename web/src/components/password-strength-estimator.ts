import type { Score, ZxcvbnFactory } from "@zxcvbn-ts/core";

export type StrengthScore = Score;

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * The estimator and its dictionaries weigh about 230 KB gzipped, so they load on first use as chunks
 * of their own: pages without a new password (the login page above all) never fetch them.
 */
function loadEstimator(): Promise<ZxcvbnFactory> {
  if (!estimator) {
    // The common dictionary only: it holds the leaked-password and word lists that matter in every
    // language, while the English one would add 600 KB (gzipped) for one of the four languages.
    estimator = Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]).then(
      ([core, common]) => new core.ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs }),
    );
    // A chunk that failed to load (a deploy, a dropped connection) is tried again next time.
    estimator.catch(() => {
      estimator = undefined;
    });
  }
  return estimator;
}

/** zxcvbn's score, 0 (guessed at once) to 4 (very hard to guess); `userInputs` are words to count as guessable. */
export async function estimatePasswordStrength(password: string, userInputs: string[]): Promise<StrengthScore> {
  const zxcvbn = await loadEstimator();
  return zxcvbn.check(password, userInputs).score;
}
