// `anchoring.anchorers` in the executor's configuration: the other facilitators that anchor too,
// with whom this one takes turns per anchored height (decide/anchor-turns.ts). Every one of them
// must list the same set (each may leave itself out: it always takes part).
import { configAddress, type Fail } from "./config-address.ts";

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
  return value.map((item: unknown, index) => configAddress(item, `${FIELD}[${index}]`, fail));
}
