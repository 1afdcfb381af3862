// What a benchmark run has started (chains, servers, temporary files), stopped in reverse order
// once, whether the run ends normally, fails, or is interrupted.
export class Stops {
  private readonly actions: { what: string; stop: () => unknown }[] = [];

  /** Registers how to stop something just started; stopped before anything started earlier. */
  add(what: string, stop: () => unknown): void {
    this.actions.push({ what, stop });
  }

  /** Runs every registered stop, newest first; a failing stop is reported and the rest still run. */
  async stopAll(report: (line: string) => void = console.error): Promise<void> {
    for (let action = this.actions.pop(); action; action = this.actions.pop()) {
      try {
        await action.stop();
      } catch (error) {
        report(`could not stop ${action.what}: ${(error as Error).message}`);
      }
    }
  }
}
