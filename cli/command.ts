// What the commands do alike: a bad argument exits 2 with the message and the help, --help prints
// the help, any other failure is one line naming the command (exit 1); and a service runs until
// Ctrl-C or SIGTERM.

/** A bad argument or option: reported with the command's help, exit code 2. */
export class UsageError extends Error {}

/** An optional whole-number option within [min, max]. */
export function wholeNumber(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

export interface Command<Options extends { help: boolean }> {
  /** Named in the one line a failure prints ("<name> failed: …"). */
  name: string;
  help: string;
  /** Reads the arguments; whatever it throws is a bad argument. */
  parse(argv: string[]): Options;
  /** The work; its result is the exit code. A UsageError it throws is reported like a bad argument. */
  run(options: Options): Promise<number>;
}

export function runCommand<Options extends { help: boolean }>(command: Command<Options>): void {
  const usage = (error: unknown) => {
    console.error(`${(error as Error).message}\n\n${command.help}`);
    return 2;
  };
  const main = async (): Promise<number> => {
    let options: Options;
    try {
      options = command.parse(process.argv.slice(2));
    } catch (error) {
      return usage(error);
    }
    if (options.help) {
      console.log(command.help);
      return 0;
    }
    try {
      return await command.run(options);
    } catch (error) {
      if (error instanceof UsageError) return usage(error);
      throw error;
    }
  };
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`${command.name} failed: ${error.message}`);
      process.exit(1);
    },
  );
}

/** Resolves with the first SIGINT or SIGTERM, keeping the program alive until then. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal handlers do not keep a program alive, and the chains' handles are unref'd by design.
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
