// What every benchmark module provides to bench/run.ts, and what it is given.
import type { HostOptions } from "../indexer/host.ts";
import type { Figure } from "./results.ts";
import type { Stops } from "./stops.ts";

/** The command's parameters; each benchmark reads those it uses. */
export interface BenchOptions {
  /** Mosaic events to generate at least. */
  events: number;
  /** User accounts sending stake requests. */
  users: number;
  /** Concurrent GraphQL clients. */
  concurrency: number;
  /** Queries each client sends. */
  queries: number;
  /** Seconds of status queries sent at a fixed rate, whatever the answers do (open loop). */
  openLoopSeconds: number;
  /** Stakes, then redeems, sent at once and timed step by step (executor benchmark). */
  flows: number;
  /** Stake requests sent at once and timed to completion (executor benchmark). */
  stakes: number;
  /** Stakes, then redeems, under RPC faults, kills and reorganisations (faults benchmark). */
  faultFlows: number;
  /** Seeds the faults, kills and reorganisations of the faults benchmark. */
  faultSeed: number;
  /** Requests sent over time in the sustained benchmark, stakes and redeems together. */
  sustainedRequests: number;
  /** Users sending them, each one request at a time (sustained benchmark). */
  sustainedStakers: number;
}

export interface BenchContext {
  options: BenchOptions;
  /** Register here whatever is started, so that it is stopped even on failure or Ctrl-C. */
  stops: Stops;
  progress: (line: string) => void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/** An indexer host's `onLog` that puts its faults and errors (not its mappings' chatter) in the progress. */
export function indexerFaultsTo(progress: (line: string) => void): NonNullable<HostOptions["onLog"]> {
  return (name, level, message) => {
    if (level === "fault" || level === "error" || level === "critical")
      progress(`${name} ${level}: ${message}`);
  };
}
