// What the commands do alike: a bad argument exits 2 with the message and the help, --help prints
// the help, any other failure is one line naming the command (exit 1); and a service runs until
// Ctrl-C or SIGTERM (or, under an npm script, until the script's shell has gone).

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

/** Why a service was asked to stop. */
export type StopReason = NodeJS.Signals | "parent gone";

/** How often a service started by an npm script looks for the script's shell. */
const PARENT_CHECK_MS = 1000;

/**
 * Resolves with the first SIGINT or SIGTERM or, under an npm script, once the script's shell has
 * gone: npm passes a signal sent to it (a process manager's SIGTERM) on to that shell alone, which
 * ends without passing it on, and this process would otherwise run on, orphaned, with its chains.
 */
export function stopRequested(): Promise<StopReason> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const underNpm = process.env.npm_lifecycle_event !== undefined;
    // The check also keeps the program alive (signal handlers do not, and the chains' handles are
    // unref'd by design).
    const check = setInterval(() => {
      if (underNpm && process.ppid !== parent) stop("parent gone");
    }, PARENT_CHECK_MS);
    // Each handler stays until it has fired once: a second signal of the other kind during the stop
    // is taken, not left to end the process before the stop is done.
    const stop = (reason: StopReason) => {
      clearInterval(check);
      resolve(reason);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
