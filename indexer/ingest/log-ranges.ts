// The size of the next eth_getLogs range, in blocks, sized by a log count: the last answer's logs
// per block say how many blocks hold about `targetLogs` logs. Ranges of about equal work keep
// fetching the next range overlapped with processing the current one (a range far larger than
// the rest would have to be read before anything is handled), keep each answer small, and still
// read sparse history fast. A node that refuses a range as too large gets half of it.
export interface RangeOptions {
  /** The first range's blocks (10: the first answer tells the density). */
  initial?: number;
  min?: number;
  max?: number;
  /** The logs one range should hold (1,000). */
  targetLogs?: number;
}

const TOO_LARGE = /too many|limit|exceed|range|size|timeout|timed out/i;

/** Growth per range is bounded, so a sparse stretch does not make the next range huge. */
const MAX_GROWTH = 2;

export class AdaptiveRange {
  private size: number;
  private readonly min: number;
  private readonly max: number;
  private readonly targetLogs: number;

  constructor(options: RangeOptions = {}) {
    this.min = options.min ?? 1;
    this.max = options.max ?? 10_000;
    this.targetLogs = options.targetLogs ?? 1_000;
    this.size = Math.min(this.max, Math.max(this.min, options.initial ?? 10));
  }

  get blocks(): number {
    return this.size;
  }

  /** After an answer with `logs` logs over `blocks` blocks. */
  succeeded(logs: number, blocks: number): void {
    const fitting = logs === 0 ? Number.POSITIVE_INFINITY : Math.floor((this.targetLogs * blocks) / logs);
    this.size = Math.min(this.max, this.size * MAX_GROWTH, Math.max(this.min, fitting));
  }

  /** After an error: true when a smaller range may succeed (and the range was halved). */
  failed(error: unknown): boolean {
    if (this.size <= this.min || !TOO_LARGE.test(String((error as Error)?.message ?? error))) return false;
    this.size = Math.max(this.min, Math.floor(this.size / 2));
    return true;
  }
}
