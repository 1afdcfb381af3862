// The books' fields that can carry an unlock secret: the calldata of a progress step
// (progressStake/Mint/Redeem/Unstake(messageHash, secret)) and the signed transactions of its
// intent. They are stored sealed under the secrets key and opened when read, so the plain secret
// never sits in the database. Other steps' fields carry no secret and stay in clear.
import type { KeyObject } from "node:crypto";
import { BooksError, BooksPassphraseError } from "./errors.ts";
import { isSealedText, openText, sealText } from "./secret-box.ts";

const SECRET_CARRYING_STEPS = new Set(["progressStake", "progressMint", "progressRedeem", "progressUnstake"]);

export interface FieldBox {
  /** The value to store for a field of an intent of `step`; `context` binds it to its row. */
  seal(step: string, context: string, text: string): string;
  /** The stored value in clear; without the key, a sealed value is returned as stored. */
  open(context: string, stored: string): string;
}

export const intentContext = (intent: { subject: string; step: string }) =>
  `calldata of ${intent.step} ${intent.subject.toLowerCase()}`;
export const attemptContext = (hash: string) => `transaction ${hash.toLowerCase()}`;

export function fieldBox(key: KeyObject | undefined): FieldBox {
  return {
    seal(step, context, text) {
      if (!SECRET_CARRYING_STEPS.has(step)) return text;
      if (key === undefined) {
        throw new BooksPassphraseError(
          `${step} carries an unlock secret: open the books with the passphrase to record it`,
        );
      }
      return sealText(key, context, text);
    },
    open(context, stored) {
      if (key === undefined || !isSealedText(stored)) return stored;
      const text = openText(key, context, stored);
      if (text === undefined)
        throw new BooksError(`the sealed ${context} does not decrypt: its row was altered`);
      return text;
    },
  };
}
