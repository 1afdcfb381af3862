// `facilitator stop`: signals the process that holds the writer lease of a key, found in the books
// (its pid and host are in the lease), and waits until it has let the lease go.
import { readFileSync } from "node:fs";
import os from "node:os";
import { getAddress } from "ethers";
import { pidAlive } from "./bookkeeping/lease.ts";
import type { Books } from "./bookkeeping/index.ts";

export interface StopOutcome {
  /** 0 when the holder stopped. */
  code: number;
  message: string;
}

/** The address in an encrypted JSON keystore (stored in clear beside the ciphertext). */
export function keystoreAddress(file: string): string {
  const { address } = JSON.parse(readFileSync(file, "utf8")) as { address?: unknown };
  if (typeof address !== "string") {
    throw new Error(`${file}: the keystore names no address; \`facilitator init\` writes one that does`);
  }
  return getAddress(address.startsWith("0x") ? address : `0x${address}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM to the holder of `name`'s lease on this host and waits up to `timeoutMs` for it to stop. */
export async function stopWriter(books: Books, name: string, timeoutMs = 60_000): Promise<StopOutcome> {
  const find = async () => (await books.leases()).find((row) => row.name === name);
  const row = await find();
  if (row === undefined || row.releasedAt !== null) {
    return {
      code: 1,
      message: `no executor holds the writer lease of ${name} in these books: nothing to stop`,
    };
  }
  const holder = `pid ${row.pid} on host ${row.host}`;
  if (row.host !== os.hostname()) {
    return {
      code: 1,
      message:
        `the executor holding the writer lease of ${name} runs on another host: ${holder}. ` +
        `Stop it there (for example \`kill -TERM ${row.pid}\` on ${row.host})`,
    };
  }
  if (!pidAlive(row.pid)) {
    return {
      code: 1,
      message: `the lease of ${name} names ${holder}, which is gone (killed?): the next start or standby takes over`,
    };
  }
  process.kill(row.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await find();
    if (now?.token !== row.token || now.releasedAt !== null || !pidAlive(row.pid)) {
      return { code: 0, message: `stopped the executor ${holder} (writer lease of ${name})` };
    }
    if (Date.now() > deadline) {
      return {
        code: 1,
        message: `sent SIGTERM to ${holder}, but it still holds the lease after ${timeoutMs / 1000} s`,
      };
    }
    await pause(200);
  }
}
