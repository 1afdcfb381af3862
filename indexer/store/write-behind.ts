// Held blocks written on a thread of their own. Behind the chain head the indexer applies a range
// of blocks and commits them once (holdCommits/commitBlocks); running their SQL took about a third
// of processing. The store works out every statement of a block on its thread (versions, row ids,
// the cache) and hands the list over; this thread runs them in order on a connection of its own
// and commits each range when asked, while the next blocks' handlers run. A commit is answered
// when it is done (or failed: the range is rolled back, and everything after it refused until
// reset()); the store collects the answers as it goes, or waits for them (settle).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { SqlParam } from "./column-codecs.ts";
import type { BlockPointer } from "./types.ts";

/** One statement of a block: its index in the list the writer was started with, and its parameters. */
export type WriteOp = [statement: number, params: SqlParam[]];

export interface CommitAnswer {
  seq: number;
  /** Why the range was rolled back, or null when it is in the file. */
  error: string | null;
}

/** How long a wait for the writer may take before it is given up on (a range commits in well under a second here). */
const SETTLE_TIMEOUT_MS = 60_000;
/**
 * Ranges whose commit may be under way when the next is held: the writer keeps up with the
 * handlers over a catch-up, though not range by range (two here made processing about a quarter
 * slower than four), and a crash loses at most these and the range being held.
 */
export const MAX_COMMITTING = 4;

export class WriterThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** The last commit done, and 1 once the thread has the file open (or failed to). */
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  /** The last commit asked for. */
  private seq = 0;

  /** `statements`: the SQL of every statement a WriteOp may name; `pragmas` as the store's own. */
  constructor(file: string, statements: string[], pragmas: string[]) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL("./write-worker.mjs", import.meta.url), {
      workerData: { file, statements, pragmas, port: port2, signal: this.signal },
      transferList: [port2],
      execArgv: [],
    });
    // A worker that died is found by the wait for its answer (timed out); its error is logged
    // rather than thrown into whatever this thread is doing.
    this.worker.on("error", (error) => console.error(`the store's writer thread failed: ${error.message}`));
    this.worker.unref();
    this.port.unref();
  }

  /** Whether the thread has opened the file and prepared the statements (or failed to). */
  get started(): boolean {
    return Atomics.load(this.signal, 1) === 1;
  }

  /** Waits until the thread has started: opened the file and prepared the statements, or failed to. */
  waitStarted(): void {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (!this.started) {
      if (Date.now() > deadline)
        throw new Error(`the store's writer thread did not start within ${SETTLE_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.signal, 1, 0, 1000);
    }
  }

  begin(): void {
    this.port.postMessage({ kind: "begin" });
  }

  block(ops: WriteOp[]): void {
    this.port.postMessage({ kind: "block", ops });
  }

  /** Asks for everything handed over since begin() to be committed; returns the commit's number. */
  commit(): number {
    this.port.postMessage({ kind: "commit", seq: ++this.seq });
    return this.seq;
  }

  get lastCommit(): number {
    return this.seq;
  }

  /** The answers that have arrived, without waiting. */
  answers(): CommitAnswer[] {
    const answers: CommitAnswer[] = [];
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port))
      answers.push(message.message as CommitAnswer);
    return answers;
  }

  /** Waits until every commit asked for is answered. */
  settle(): void {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (let done = Atomics.load(this.signal, 0); done < this.seq; done = Atomics.load(this.signal, 0)) {
      if (Date.now() > deadline)
        throw new Error(`the store's writer thread did not commit within ${SETTLE_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.signal, 0, done, 1000);
    }
  }

  /** After a failure has been taken note of: the writer takes work again. */
  reset(): void {
    this.port.postMessage({ kind: "reset" });
  }

  close(): void {
    this.port.postMessage({ kind: "close" });
  }
}

/** What the store is told of as blocks on the writer are committed, or lost. */
export interface BehindHooks {
  /** Committed, in order: each block with the entity types it changed, for the store's listeners. */
  committed(notices: BlockNotice[]): void;
  /** A range failed and was rolled back, with every block handed over after it. */
  lost(): void;
  /** Whether blocks are on the writer and not committed (the cache must keep them meanwhile). */
  pending(pending: boolean): void;
  /** Whether the cache is past its bound, to be cleared once nothing is pending. */
  overBound(): boolean;
}

export type BlockNotice = [block: BlockPointer, changedEntityTypes: string[]];

interface Range {
  latest: BlockPointer;
  notices: BlockNotice[];
}

/** The store's account of the blocks it handed to the writer thread and not yet committed. */
export class BlocksBehind {
  private held = false;
  /** The range being held: blocks handed over, its commit not asked for yet. */
  private range: Range | null = null;
  /** Ranges whose commit was asked for, not answered yet, in order. */
  private readonly committing: (Range & { seq: number })[] = [];
  /** Answers up to this commit are of ranges already given up. */
  private discardThrough = 0;

  constructor(
    private readonly writer: WriterThread,
    private readonly hooks: BehindHooks,
  ) {}

  get holding(): boolean {
    return this.held;
  }

  /** The latest block handed over and not yet committed, or null. */
  latest(): BlockPointer | null {
    return this.range?.latest ?? this.committing.at(-1)?.latest ?? null;
  }

  hold(): void {
    if (this.held) return;
    // At a range's start: the ranges still committing are waited for when there are too many, or
    // when the cache is past its bound (it is cleared once they are in the file).
    if (this.committing.length >= MAX_COMMITTING || this.hooks.overBound()) this.settle();
    this.writer.begin();
    this.held = true;
    this.hooks.pending(true);
  }

  add(block: BlockPointer, ops: WriteOp[], notice: BlockNotice): void {
    this.writer.block(ops);
    this.range ??= { latest: block, notices: [] };
    this.range.latest = block;
    this.range.notices.push(notice);
  }

  /** Asks for the held range's commit and stops holding, without waiting. */
  commitSoon(): void {
    if (!this.held) return;
    this.held = false;
    const seq = this.writer.commit();
    if (this.range) this.committing.push({ ...this.range, seq });
    this.range = null;
    this.collect();
  }

  /** Takes the answers that have arrived; throws when a range failed (everything after it is lost). */
  collect(): void {
    for (const { seq, error } of this.writer.answers()) {
      if (seq <= this.discardThrough) continue;
      if (error !== null) {
        this.discardThrough = this.writer.lastCommit;
        this.committing.length = 0;
        this.range = null;
        this.held = false;
        this.writer.reset();
        this.hooks.lost();
        this.hooks.pending(false);
        throw new Error(`writing the held blocks failed: ${error}`);
      }
      const done: BlockNotice[] = [];
      while (this.committing.length > 0 && this.committing[0]!.seq <= seq)
        done.push(...this.committing.shift()!.notices);
      this.hooks.committed(done);
    }
    if (!this.held && this.committing.length === 0) this.hooks.pending(false);
  }

  /** Waits for every commit asked for, then collects the answers. */
  settle(): void {
    this.writer.settle();
    this.collect();
  }
}
