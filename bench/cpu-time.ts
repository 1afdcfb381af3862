// CPU time spent by the chains' nodes (anvil, other processes) and by this process over a stretch
// of a benchmark: on a machine of two cores, a rate is bounded by the CPU the nodes need to answer
// as much as by the indexer's own work, and these figures show how much of the machine each took.
import { readFileSync } from "node:fs";

/** Linux's clock tick for /proc times (USER_HZ, the same on every architecture Node runs on there). */
const TICKS_PER_SECOND = 100;

/**
 * A process's CPU seconds so far, every thread, those ended included: user and system time from
 * Linux's /proc/<pid>/stat (in ticks of 10 ms); undefined where that file cannot be read (another
 * system, a process gone).
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, the file's fields 14 and 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuSpent {
  /** The other processes together (the chains' nodes); undefined when one of them could not be read. */
  others: number | undefined;
  /** This process, every thread (the indexer host runs in it). */
  own: number;
}

/** Starts counting; the returned function gives the CPU seconds spent since. */
export function cpuMeter(pids: number[]): () => CpuSpent {
  const othersAt = (): number | undefined => {
    let sum = 0;
    for (const pid of pids) {
      const seconds = processCpuSeconds(pid);
      if (seconds === undefined) return undefined;
      sum += seconds;
    }
    return sum;
  };
  const othersBefore = othersAt();
  const ownBefore = process.cpuUsage();
  return () => {
    const othersNow = othersAt();
    const own = process.cpuUsage(ownBefore);
    return {
      others: othersBefore === undefined || othersNow === undefined ? undefined : othersNow - othersBefore,
      own: (own.user + own.system) / 1e6,
    };
  };
}
