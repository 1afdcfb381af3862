// graph-ts BigDecimal: value = digits x 10^exp, normalised as graph-node does (scalar/bigdecimal.rs
// `normalized`): bigdecimal 0.1.2's with_prec(34), then trailing zeros stripped. Its rounding is
// uneven and kept on purpose: positive values round half up, negative ones are truncated, and a
// negative value may keep 35 digits because its digit count is guessed from its bit length.

export interface Decimal {
  digits: bigint;
  exp: bigint;
}

const PRECISION = 34n;
/** bigdecimal 0.1.2 divides to this many significant digits before graph-node normalises. */
const DIVISION_DIGITS = 100n;
/** The bits-per-decimal-digit constant bigdecimal 0.1.2 guesses digit counts with. */
const BITS_PER_DIGIT = 3.3219280949;

function pow10(exponent: bigint): bigint {
  return 10n ** exponent;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** floor(bit length / 3.3219…), bigdecimal's first guess at a digit count. */
function guessedDigits(value: bigint): bigint {
  return BigInt(Math.floor(abs(value).toString(2).length / BITS_PER_DIGIT));
}

/**
 * bigdecimal 0.1.2 count_decimal_digits: the guess, raised while `value >= 10^digits`. A negative
 * value is never >= a power of ten, so its count stays the guess, one short for most values.
 */
function decimalDigits(value: bigint): bigint {
  if (value === 0n) return 1n;
  let digits = guessedDigits(value);
  while (value >= pow10(digits)) digits++;
  return digits;
}

/** bigdecimal 0.1.2 get_rounding_term of a positive remainder: 1 iff its first digit is >= 5. */
function roundingTerm(remainder: bigint): bigint {
  if (remainder === 0n) return 0n;
  let bound = pow10(guessedDigits(remainder));
  for (;;) {
    if (remainder < bound) return 1n;
    bound *= 5n;
    if (remainder < bound) return 0n;
    bound *= 2n;
  }
}

/** bigdecimal 0.1.2 with_prec: truncating division by 10^excess, rounded up only from above. */
function withPrecision({ digits, exp }: Decimal): Decimal {
  const count = decimalDigits(digits);
  if (count > PRECISION) {
    const excess = count - PRECISION;
    const divisor = pow10(excess);
    let quotient = digits / divisor;
    const remainder = digits % divisor;
    if (divisor < 10n * remainder) quotient += roundingTerm(remainder);
    return { digits: quotient, exp: exp + excess };
  }
  return { digits: digits * pow10(PRECISION - count), exp: exp - (PRECISION - count) };
}

export function normalize(value: Decimal): Decimal {
  if (value.digits === 0n) return { digits: 0n, exp: 0n };
  let { digits, exp } = withPrecision(value);
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1n;
  }
  return { digits, exp };
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, bigint] {
  const exp = a.exp < b.exp ? a.exp : b.exp;
  return [a.digits * pow10(a.exp - exp), b.digits * pow10(b.exp - exp), exp];
}

export function plus(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = aligned(a, b);
  return normalize({ digits: x + y, exp });
}

export function minus(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = aligned(a, b);
  return normalize({ digits: x - y, exp });
}

export function times(a: Decimal, b: Decimal): Decimal {
  return normalize({ digits: a.digits * b.digits, exp: a.exp + b.exp });
}

/** bigdecimal 0.1.2 division (impl_division): on magnitudes, to 100 digits rounded half up. */
export function dividedBy(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new Error("BigDecimal division by zero");
  if (a.digits === 0n) return { digits: 0n, exp: 0n };
  const divisor = abs(b.digits);
  let dividend = abs(a.digits);
  let exp = a.exp - b.exp;
  while (dividend < divisor) {
    dividend *= 10n;
    exp -= 1n;
  }
  let quotient = dividend / divisor;
  let remainder = dividend % divisor;
  if (remainder !== 0n) {
    let precision = decimalDigits(quotient);
    remainder *= 10n;
    while (remainder !== 0n && precision < DIVISION_DIGITS) {
      quotient = quotient * 10n + remainder / divisor;
      remainder = (remainder % divisor) * 10n;
      precision++;
      exp -= 1n;
    }
    if (remainder !== 0n) quotient += roundingTerm(remainder / divisor);
  }
  const negative = a.digits < 0n !== b.digits < 0n;
  return normalize({ digits: negative ? -quotient : quotient, exp });
}

export function equals(a: Decimal, b: Decimal): boolean {
  const x = normalize(a);
  const y = normalize(b);
  return x.digits === y.digits && x.exp === y.exp;
}

export function fromBigInt(value: bigint): Decimal {
  return normalize({ digits: value, exp: 0n });
}

export function parse(text: string): Decimal {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new Error(`"${text}" is not a decimal number`);
  }
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  const digits = BigInt(`${sign}${whole}${fraction}` || "0");
  return normalize({ digits, exp: BigInt(exponent) - BigInt(fraction.length) });
}

/** Plain decimal notation, no exponent: "1.5", "100", "-0.0025". */
export function format(value: Decimal): string {
  const { digits, exp } = normalize(value);
  const negative = digits < 0n;
  const absolute = (negative ? -digits : digits).toString();
  let text: string;
  if (exp >= 0n) {
    text = absolute + "0".repeat(Number(exp));
  } else {
    const point = absolute.length + Number(exp);
    text =
      point > 0
        ? `${absolute.slice(0, point)}.${absolute.slice(point)}`
        : `0.${"0".repeat(-point)}${absolute}`;
  }
  return negative ? `-${text}` : text;
}
