// npm run bench: runs the benchmarks, prints their figures and merges them into bench/results.json.
// Everything a benchmark starts is stopped at the end, on failure, and on Ctrl-C.
import { parseArgs } from "node:util";
import type { BenchOptions, Benchmark } from "./benchmark.ts";
import { executorBenchmark } from "./executor.ts";
import { faultsBenchmark, MAX_FAULT_FLOWS } from "./faults.ts";
import { indexerBenchmark } from "./indexer.ts";
import { sustainedBenchmark } from "./sustained.ts";
import { DEFAULT_RESULTS_FILE, formatTable, writeResults } from "./results.ts";
import { Stops } from "./stops.ts";

/** One line per benchmark module. */
const BENCHMARKS: Benchmark[] = [indexerBenchmark, executorBenchmark, sustainedBenchmark, faultsBenchmark];

const DEFAULTS: BenchOptions = {
  events: 20_000,
  users: 40,
  concurrency: 16,
  queries: 1000,
  openLoopSeconds: 30,
  flows: 10,
  stakes: 200,
  faultFlows: 20,
  faultSeed: 20261201,
  sustainedRequests: 1000,
  sustainedStakers: 100,
};

const USAGE = `npm run bench -- [options]

Runs the benchmarks on local chains and writes their figures to bench/results.json (figures of the
same name are replaced, others kept). See bench/README.md.

  --events N       indexer: Mosaic events to generate at least (default ${DEFAULTS.events})
  --users N        indexer: user accounts sending stake requests (default ${DEFAULTS.users})
  --concurrency N  indexer: concurrent GraphQL clients (default ${DEFAULTS.concurrency})
  --queries N      indexer: queries per client (default ${DEFAULTS.queries})
  --open-loop-seconds N  indexer: seconds of status queries at a fixed 200/s (default ${DEFAULTS.openLoopSeconds})
  --flows N        executor: stakes, then redeems, sent at once and timed step by step (default ${DEFAULTS.flows})
  --stakes N       executor: stake requests sent at once and timed to completion (default ${DEFAULTS.stakes})
  --sustained-requests N  sustained: stakes and redeems sent over time (default ${DEFAULTS.sustainedRequests})
  --sustained-stakers N   sustained: users sending them, one at a time each (default ${DEFAULTS.sustainedStakers})
  --fault-flows N  faults: stakes, then redeems, under RPC faults, kills and reorgs (default ${DEFAULTS.faultFlows})
  --fault-seed N   faults: the seed of the faults, kills and reorgs (default ${DEFAULTS.faultSeed})
  --only NAME      run only this benchmark (${BENCHMARKS.map((benchmark) => benchmark.name).join(", ")})
  --results FILE   where to merge the figures (default bench/results.json)
  --help           this text

Benchmarks:
${BENCHMARKS.map((benchmark) => `  ${benchmark.name}: ${benchmark.description}`).join("\n")}`;

function parseCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: "string" },
      users: { type: "string" },
      concurrency: { type: "string" },
      queries: { type: "string" },
      "open-loop-seconds": { type: "string" },
      flows: { type: "string" },
      stakes: { type: "string" },
      "fault-flows": { type: "string" },
      "fault-seed": { type: "string" },
      "sustained-requests": { type: "string" },
      "sustained-stakers": { type: "string" },
      only: { type: "string" },
      results: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const count = (name: keyof BenchOptions, min: number, max: number, flag: string = name): number => {
    const text = values[flag as keyof typeof values] as string | undefined;
    if (text === undefined) return DEFAULTS[name];
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${flag} expects a whole number from ${min} to ${max}, got ${text}`);
    }
    return value;
  };
  const options: BenchOptions = {
    events: count("events", 1, 1_000_000),
    // anvil derives every account from the mnemonic at start; beyond a few hundred that is slow.
    users: count("users", 1, 500),
    concurrency: count("concurrency", 1, 256),
    queries: count("queries", 1, 10_000),
    openLoopSeconds: count("openLoopSeconds", 1, 600, "open-loop-seconds"),
    // The executor benchmark gives each flow and each concurrent stake its own user, funded at start.
    flows: count("flows", 1, 100),
    stakes: count("stakes", 1, 400),
    // One funded development account per flow.
    faultFlows: count("faultFlows", 1, MAX_FAULT_FLOWS, "fault-flows"),
    faultSeed: count("faultSeed", 0, 2 ** 32 - 1, "fault-seed"),
    sustainedRequests: count("sustainedRequests", 1, 10_000, "sustained-requests"),
    // One funded user per staker, as for the executor benchmark's concurrent stakes.
    sustainedStakers: count("sustainedStakers", 1, 400, "sustained-stakers"),
  };
  const selected = BENCHMARKS.filter((benchmark) => !values.only || benchmark.name === values.only);
  if (selected.length === 0) throw new Error(`no benchmark is named ${values.only}; see --help`);
  return {
    help: values.help ?? false,
    options,
    selected,
    resultsFile: values.results ?? DEFAULT_RESULTS_FILE,
  };
}

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command.help) {
    console.log(USAGE);
    return 0;
  }
  const stops = new Stops();
  let interrupted = false;
  const interrupt = async (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping what the benchmark started`);
    await stops.stopAll();
    process.exit(130);
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  const benchStarted = performance.now();
  for (const benchmark of command.selected) {
    const started = performance.now();
    const progress = (line: string) =>
      console.log(`[${benchmark.name} ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
    try {
      const figures = await benchmark.run({ options: command.options, stops, progress });
      writeResults(command.resultsFile, figures);
      console.log(`\n${formatTable(figures)}\n\nmerged into ${command.resultsFile}`);
    } catch (error) {
      // After an interrupt, failures are those of the chains being stopped under the benchmark.
      if (!interrupted)
        console.error(`${benchmark.name} benchmark failed: ${(error as Error).stack ?? error}`);
      return 1;
    } finally {
      await stops.stopAll();
    }
  }
  console.log(`benchmarks done in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
  return 0;
}

process.exitCode = await main();
