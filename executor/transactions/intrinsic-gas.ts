// What a call costs before any of its code runs (the yellow paper's intrinsic gas, with EIP-2028's
// calldata prices): 21,000 and 16 per non-zero calldata byte, 4 per zero byte. No gas limit below it
// can be mined, so an estimate below it is a wrong answer, whatever node gave it.
import { getBytes } from "ethers";

const BASE = 21_000n;
const ZERO_BYTE = 4n;
const NON_ZERO_BYTE = 16n;

export function intrinsicGas(data: string): bigint {
  let gas = BASE;
  for (const byte of getBytes(data)) gas += byte === 0 ? ZERO_BYTE : NON_ZERO_BYTE;
  return gas;
}
