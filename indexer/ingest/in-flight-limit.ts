// At most so many requests to a node at once: the declared calls of a range start together when
// its logs arrive (hundreds in a busy range), and a node or a provider with a rate limit refuses
// past some number in flight.

/** Runs at most `limit` tasks at a time; the others wait, and start in the order they came. */
export class InFlightLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finished task hands its place straight to the next waiting one.
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
