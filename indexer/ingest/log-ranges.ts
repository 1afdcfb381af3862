// The size of the next eth_getLogs range: it grows while answers are small and halves when a node
// refuses a range as too large, so sparse history is read fast and dense history still fits.
export interface RangeOptions {
  initial?: number;
  min?: number;
  max?: number;
  /** Logs per answer above which the range stops growing. */
  targetLogs?: number;
}

const TOO_LARGE = /too many|limit|exceed|range|size|timeout|timed out/i;

export class AdaptiveRange {
  private size: number;
  private readonly min: number;
  private readonly max: number;
  private readonly targetLogs: number;

  constructor(options: RangeOptions = {}) {
    this.min = options.min ?? 1;
    this.max = options.max ?? 10_000;
    this.size = options.initial ?? 2_000;
    this.targetLogs = options.targetLogs ?? 5_000;
  }

  get blocks(): number {
    return this.size;
  }

  /** After an answer with `logs` logs. */
  succeeded(logs: number): void {
    if (logs < this.targetLogs / 2) this.size = Math.min(this.max, this.size * 2);
    else if (logs > this.targetLogs) this.size = Math.max(this.min, Math.floor(this.size / 2));
  }

  /** After an error: true when a smaller range may succeed (and the range was halved). */
  failed(error: unknown): boolean {
    if (this.size <= this.min || !TOO_LARGE.test(String((error as Error)?.message ?? error))) return false;
    this.size = Math.max(this.min, Math.floor(this.size / 2));
    return true;
  }
}
