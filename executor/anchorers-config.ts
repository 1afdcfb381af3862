// `anchoring.anchorers` in the executor's configuration: the other facilitators that anchor too,
// with whom this one takes turns per anchored height (decide/anchor-turns.ts). Every one of them
// must list the same set (each may leave itself out: it always takes part).
import { getAddress, isAddress } from "ethers";

type Fail = (field: string, message: string) => never;

const FIELD = "anchoring.anchorers";

/** The addresses listed, checksummed; an absent list means none (this facilitator anchors alone). */
export function readAnchorers(value: unknown, fail: Fail): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    fail(
      FIELD,
      `expected a list of addresses of the other anchoring facilitators, got ${JSON.stringify(value)}`,
    );
  }
  return value.map((item: unknown, index) => {
    // Any case is accepted (a wrong checksum too), as the deployment file does.
    if (typeof item !== "string" || !isAddress(item.toLowerCase())) {
      fail(`${FIELD}[${index}]`, `expected a 0x-prefixed 20-byte address, got ${JSON.stringify(item)}`);
    }
    return getAddress(item.toLowerCase());
  });
}
