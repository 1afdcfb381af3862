// Text encodings of BigInt and BigDecimal whose byte order (SQLite's BINARY collation) is their
// numeric order, so that `<`, `>`, ORDER BY and equality work in SQL on arbitrarily large and
// negative values. Each value has exactly one encoding, so equality is string equality.

/** Digits of a BigInt's magnitude; 999 decimal digits is over 3,300 bits, far beyond 2^256. */
const MAX_BIGINT_DIGITS = 999;

/**
 * Non-negative: "1" + digit count (3 digits) + digits. Negative: "0" + (999 - digit count) +
 * nines' complement of the digits, so larger magnitudes sort first.
 */
export function encodeSortableBigInt(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (digits.length > MAX_BIGINT_DIGITS)
    throw new Error(
      `BigInt with ${digits.length} digits is too large to store (at most ${MAX_BIGINT_DIGITS})`,
    );
  if (!negative) return `1${String(digits.length).padStart(3, "0")}${digits}`;
  return `0${String(MAX_BIGINT_DIGITS - digits.length).padStart(3, "0")}${complement(digits)}`;
}

export function decodeSortableBigInt(encoded: string): bigint {
  const digits = encoded.slice(4);
  return encoded[0] === "1" ? BigInt(digits) : -BigInt(complement(digits));
}

/** BigDecimal exponents are offset by this so that they encode as 5 non-negative digits. */
const EXPONENT_OFFSET = 50_000;

interface DecimalParts {
  negative: boolean;
  /** Significant digits without leading or trailing zeros; "" for zero. */
  digits: string;
  /** Power of ten of the first digit: value = d.ddd x 10^exponent. */
  exponent: number;
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function decimalParts(text: string): DecimalParts {
  const match = DECIMAL_PATTERN.exec(text.trim());
  const integer = match?.[2] ?? "";
  const fraction = match?.[3] ?? "";
  if (!match || integer.length + fraction.length === 0)
    throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const all = integer + fraction;
  const firstNonZero = all.search(/[1-9]/);
  if (firstNonZero < 0) return { negative: false, digits: "", exponent: 0 };
  const digits = all.slice(firstNonZero).replace(/0+$/, "");
  const exponent = integer.length - firstNonZero - 1 + Number(match[4] ?? "0");
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) >= EXPONENT_OFFSET)
    throw new Error(`BigDecimal ${text} has an exponent out of range`);
  return { negative: match[1] === "-", digits, exponent };
}

/** The canonical decimal notation of a BigDecimal: no exponent, no trailing zeros ("1.5", "-0.002"). */
export function normalizeBigDecimal(text: string): string {
  return formatDecimal(decimalParts(text));
}

/**
 * Positive: "2" + (exponent + 50000, 5 digits) + digits. Zero: "1". Negative: "0" + (49999 -
 * exponent) + complemented digits + "~"; the "~" (above every digit) makes a longer magnitude with
 * the same leading digits sort first, as it must among negatives.
 */
export function encodeSortableBigDecimal(text: string): string {
  const parts = decimalParts(text);
  if (parts.digits === "") return "1";
  if (!parts.negative) return `2${String(parts.exponent + EXPONENT_OFFSET).padStart(5, "0")}${parts.digits}`;
  return `0${String(EXPONENT_OFFSET - 1 - parts.exponent).padStart(5, "0")}${complement(parts.digits)}~`;
}

export function decodeSortableBigDecimal(encoded: string): string {
  if (encoded === "1") return "0";
  const negative = encoded[0] === "0";
  const stored = Number(encoded.slice(1, 6));
  const exponent = negative ? EXPONENT_OFFSET - 1 - stored : stored - EXPONENT_OFFSET;
  const digits = negative ? complement(encoded.slice(6, -1)) : encoded.slice(6);
  return formatDecimal({ negative, digits, exponent });
}

function formatDecimal({ negative, digits, exponent }: DecimalParts): string {
  if (digits === "") return "0";
  let text: string;
  if (exponent >= digits.length - 1) text = digits + "0".repeat(exponent - digits.length + 1);
  else if (exponent >= 0) text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  else text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  return negative ? `-${text}` : text;
}

function complement(digits: string): string {
  let out = "";
  for (const digit of digits) out += String(9 - Number(digit));
  return out;
}
