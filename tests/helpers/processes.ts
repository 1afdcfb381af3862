// Process checks for the tests that promise no anvil outlives its owner.
import { readdirSync, readFileSync } from "node:fs";

export function isRunning(pid: number): boolean {
  try {
    // A zombie still answers signal 0; only a live process counts.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export async function waitUntilGone(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** Live anvil processes started for the given chain id, found by their command lines. */
export function anvilPidsForChainId(chainId: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const chainIdAt = args.indexOf("--chain-id");
    if (args[0]?.endsWith("anvil") && args[chainIdAt + 1] === String(chainId) && isRunning(Number(entry))) {
      pids.push(Number(entry));
    }
  }
  return pids;
}
