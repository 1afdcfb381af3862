// Work done now and then on a timer (the balances, the nodes' heads), one run at a time: a tick
// while a run is under way is skipped. Queued behind a node that does not answer, runs would pile
// up without end, and a stop that waits for them would wait for all of them.

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Runs every intervalMs from now. */
  start(): void {
    // The work says its own failures: one that escapes is dropped here, not left unhandled.
    this.timer ??= setInterval(() => void this.runOnce().catch(() => {}), this.intervalMs);
  }

  /** Runs now, or, while a run is under way, waits for that one. */
  runOnce(): Promise<void> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No more runs; waits for the one under way, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
