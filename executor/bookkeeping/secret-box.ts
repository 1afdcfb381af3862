// Encryption at rest of the unlock secrets, and of the books' fields that carry one: AES-256-GCM
// under a key derived with scrypt from the operator's passphrase and a random salt kept in the
// database. A check value (HMAC of a fixed label under the key) tells a wrong passphrase apart from
// altered data. The key lives in a KeyObject, which
// does not print its bytes when logged or inspected.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto";

/** Bytes on their own ArrayBuffer, as Prisma stores them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export interface KeyDerivation {
  salt: Bytes;
  scryptN: number;
  scryptR: number;
  scryptP: number;
}

export interface SealedSecret {
  iv: Bytes;
  ciphertext: Bytes;
  authTag: Bytes;
}

/** scrypt at N = 2^15, r = 8: 32 MiB and about 0.1 s per derivation, once per openBooks. */
export function newKeyDerivation(): KeyDerivation {
  return { salt: new Uint8Array(randomBytes(16)), scryptN: 1 << 15, scryptR: 8, scryptP: 1 };
}

export function deriveKey(passphrase: string, derivation: KeyDerivation): Promise<KeyObject> {
  const { salt, scryptN: N, scryptR: r, scryptP: p } = derivation;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize("NFC"), salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, key) => {
      if (error) reject(error);
      else resolve(createSecretKey(key));
    });
  });
}

export function keyCheck(key: KeyObject): Bytes {
  return new Uint8Array(
    createHmac("sha256", key).update("mosaic-facilitator books: secrets key check").digest(),
  );
}

export function keyCheckMatches(key: KeyObject, stored: Uint8Array): boolean {
  const expected = keyCheck(key);
  return stored.length === expected.length && timingSafeEqual(expected, stored);
}

// The subject is authenticated with the ciphertext, so a row copied onto another subject fails to open.
function associatedData(subject: string): Buffer {
  return Buffer.from(`books secret for ${subject}`, "utf8");
}

export function seal(key: KeyObject, subject: string, plain: Uint8Array): SealedSecret {
  const iv = new Uint8Array(randomBytes(12));
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associatedData(subject));
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]));
  return { iv, ciphertext, authTag: new Uint8Array(cipher.getAuthTag()) };
}

/** The plain bytes, or undefined when the data does not authenticate under this key and subject. */
export function open(key: KeyObject, subject: string, sealed: SealedSecret): Buffer | undefined {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
  decipher.setAAD(associatedData(subject));
  decipher.setAuthTag(sealed.authTag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

const SEALED_TEXT = "sealed:";

// Fields are bound to where they belong (e.g. the intent's subject and step, or the attempt's hash),
// and kept apart from the secrets' own associated data.
function fieldData(context: string): Buffer {
  return Buffer.from(`books field ${context}`, "utf8");
}

/** Text sealed under the key, bound to `context`, as `sealed:` and base64url of iv, tag and ciphertext. */
export function sealText(key: KeyObject, context: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(fieldData(context));
  const ciphertext = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return SEALED_TEXT + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64url");
}

export function isSealedText(stored: string): boolean {
  return stored.startsWith(SEALED_TEXT);
}

/** The text of sealText, or undefined when it does not authenticate under this key and context. */
export function openText(key: KeyObject, context: string, stored: string): string | undefined {
  const bytes = Buffer.from(stored.slice(SEALED_TEXT.length), "base64url");
  if (bytes.length < 28) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
  decipher.setAAD(fieldData(context));
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
