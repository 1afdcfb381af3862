// One reading of a chain's head for every follower of a transaction on it: a follower looks at its
// transaction again when the chain has a new block, not on a timer of its own. With hundreds of
// transactions out, the books and the node are asked once per block per transaction, and the
// head itself once per poll, instead of each follower asking every poll.

export class HeadClock {
  private latest: number | undefined;
  private readonly waiters = new Set<() => void>();
  private polling = false;

  constructor(
    private readonly readHead: () => Promise<number>,
    private readonly pollMs: number,
  ) {}

  /**
   * Settles when a block above the head known now is seen, or after `maxWaitMs` (fee bumps and
   * re-broadcasts go by the clock, blocks or not). A failed head read counts as no new block.
   */
  next(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waiters.add(done);
      this.poll();
    });
  }

  /** Settles every wait now (the manager stops). */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    const tick = async () => {
      while (this.waiters.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
        const head = await this.readHead().catch(() => undefined);
        if (head !== undefined && (this.latest === undefined || head > this.latest)) {
          const first = this.latest === undefined;
          this.latest = head;
          // The first reading only learns the head: the waiters wait for the block after it.
          if (!first) this.wakeAll();
        }
      }
      this.polling = false;
    };
    void tick();
  }
}
