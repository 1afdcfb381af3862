// The log ranges read ahead of the one being handled. Each range is pinned to the end block of the
// range before it (see subgraph-indexer.ts), so one read is in flight at a time; the next starts as
// soon as it is answered, while fewer than `budgetLogs` logs wait in ranges read and not yet taken.
// One range is always read ahead, however many logs it holds. Reading only one range ahead left
// the handlers waiting: a range's four reads in a row, each answered between two blocks' handlers,
// took longer than handling a range of a thousand logs.
import type { BlockPointer } from "../store/types.ts";

export interface ReadRange {
  end: BlockPointer;
  logCount: number;
}

export interface RangesAheadOptions<R extends ReadRange> {
  /** The block indexing has reached before the first range (null: nothing indexed yet). */
  base: BlockPointer | null;
  from: number;
  head: number;
  budgetLogs: number;
  /** Reads the range from `from` on, pinned to `base`. */
  read(from: number, base: BlockPointer | null): Promise<R>;
}

export class RangesAhead<R extends ReadRange> {
  private readonly queue: Promise<R>[] = [];
  private base: BlockPointer | null;
  private from: number;
  private waitingLogs = 0;
  private reading = false;
  /** A read failed or settle() was called: nothing more is read. */
  private ended = false;

  constructor(private readonly options: RangesAheadOptions<R>) {
    this.base = options.base;
    this.from = options.from;
    this.fill();
  }

  /** The next range in order, or undefined once every range up to the head has been taken. */
  take(): Promise<R> | undefined {
    const taken = this.queue.shift();
    taken?.then(
      (range) => {
        this.waitingLogs -= range.logCount;
        this.fill();
      },
      () => undefined,
    );
    return taken;
  }

  /** Reads nothing more and waits for the reads under way; their failures are dropped. */
  async settle(): Promise<void> {
    this.ended = true;
    await Promise.all(this.queue.map((read) => read.catch(() => undefined)));
  }

  private fill(): void {
    if (this.ended || this.reading || this.from > this.options.head) return;
    if (this.queue.length > 0 && this.waitingLogs >= this.options.budgetLogs) return;
    this.reading = true;
    const read = this.options.read(this.from, this.base);
    this.queue.push(read);
    read.then(
      (range) => {
        this.reading = false;
        this.waitingLogs += range.logCount;
        this.base = range.end;
        this.from = range.end.number + 1;
        this.fill();
      },
      () => {
        this.reading = false;
        this.ended = true;
      },
    );
  }
}
