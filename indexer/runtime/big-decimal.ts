// graph-ts BigDecimal: value = digits x 10^exp, kept to 34 significant digits (rounded half to
// even) with trailing zeros stripped, as graph-node normalises it.

export interface Decimal {
  digits: bigint;
  exp: bigint;
}

const PRECISION = 34;
const DIVISION_GUARD_DIGITS = 40n;

function pow10(exponent: bigint): bigint {
  return 10n ** exponent;
}

function digitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

/** Rounds `value / 10^drop` half to even. */
function roundHalfEven(value: bigint, drop: bigint): bigint {
  if (drop <= 0n) return value;
  const divisor = pow10(drop);
  const quotient = value / divisor;
  const remainder = value % divisor;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice < divisor || (twice === divisor && quotient % 2n === 0n)) return quotient;
  return quotient + (value < 0n ? -1n : 1n);
}

export function normalize({ digits, exp }: Decimal): Decimal {
  if (digits === 0n) return { digits: 0n, exp: 0n };
  const excess = digitCount(digits) - PRECISION;
  if (excess > 0) {
    digits = roundHalfEven(digits, BigInt(excess));
    exp += BigInt(excess);
  }
  while (digits !== 0n && digits % 10n === 0n) {
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

export function dividedBy(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new Error("BigDecimal division by zero");
  // Scale the dividend so the quotient keeps more digits than the precision, then round.
  const scale = BigInt(PRECISION) + DIVISION_GUARD_DIGITS + BigInt(digitCount(b.digits));
  return normalize({ digits: (a.digits * pow10(scale)) / b.digits, exp: a.exp - b.exp - scale });
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
