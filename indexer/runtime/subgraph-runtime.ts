// Runs a built subgraph's handlers for a block, with graph-node's semantics: a module instance
// as freshly instantiated per trigger (no globals or memory carry over; a used instance is put back
// exactly, reusable-instance.ts), logs in log-index order, the block's writes kept
// aside and handed over whole, and a trap or abort failing the block without a partial write.
import { readFileSync } from "node:fs";
import { keccak256 } from "ethers";
import type { EntityChange, EntityData } from "../store/types.ts";
import { AscMemory, type AscExports } from "./asc-memory.ts";
import type { RawBlock, RawLog } from "./chain-data.ts";
import type { EntityShapes } from "./entity-shapes.ts";
import { decodeEventParams } from "./ethereum-values.ts";
import {
  BlockWrites,
  HandlerError,
  hostFunctions,
  callKey,
  type CallAnswers,
  type LogLevel,
  type TriggerContext,
} from "./host-imports.ts";
import {
  handlerMatches,
  ManifestError,
  type DataSource,
  type EventHandler,
  type Manifest,
} from "./manifest.ts";
import { ReusableInstances } from "./reusable-instance.ts";
import { SyncRpc } from "./sync-rpc.ts";
import { callRequest, type CallRequest } from "./declared-calls.ts";
import { BlockObjects, writeEvent } from "./trigger-objects.ts";
import { withHostExports } from "./wasm-exports.ts";

export interface SourceOverride {
  address: string;
  startBlock: number;
}

export interface RuntimeOptions {
  /** The manifest as loadManifest read it; its data sources take the overrides. */
  manifest: Manifest;
  shapes: EntityShapes;
  /** The chain's JSON-RPC endpoint, for ethereum.call and friends. */
  rpcUrl: string;
  /** Addresses and start blocks by data source name, replacing the manifest's (same WASM). */
  sources?: Record<string, SourceOverride>;
  /**
   * Put a used module instance back as instantiated for the next trigger (the default) rather
   * than instantiate afresh; false is the reference the reuse is compared with.
   */
  reuseInstances?: boolean;
  log?: (
    level: LogLevel,
    message: string,
    where: { dataSource: string; handler: string; block: number },
  ) => void;
}

/** A deterministic failure of a handler; the subgraph is failed at this block. */
export class HandlerFailure extends Error {
  override name = "HandlerFailure";
  constructor(
    message: string,
    readonly handler: string,
    readonly blockNumber: number,
  ) {
    super(message);
  }
}

/**
 * The log's parameters, decoded with the event the handler names; null when they do not decode,
 * and graph-node skips the handler (chain/ethereum/src/data_source.rs:745-774).
 */
function decodeLog(log: RawLog, handler: EventHandler): unknown[] | null {
  try {
    return decodeEventParams(handler.fragment, log.topics, log.data);
  } catch {
    return null;
  }
}

export interface Trigger {
  log: RawLog;
  dataSource: DataSource;
  handler: EventHandler;
  params: unknown[];
}

export class SubgraphRuntime {
  readonly manifest: Manifest;
  /** A stable id of the manifest and the code: the subgraph's deployment. */
  readonly deployment: string;
  private readonly instances = new Map<string, ReusableInstances>();
  /** Each instance's memory access, kept with its class ids while the instance is reused. */
  private readonly memories = new WeakMap<WebAssembly.Instance, AscMemory>();
  private readonly rpc: SyncRpc;
  private context: TriggerContext | undefined;
  private readonly declaresCalls: boolean;

  constructor(private readonly options: RuntimeOptions) {
    const manifest = options.manifest;
    for (const source of manifest.dataSources) {
      const override = options.sources?.[source.name];
      if (override) {
        source.address = override.address.toLowerCase();
        source.startBlock = override.startBlock;
      }
    }
    this.manifest = manifest;
    const functions = hostFunctions(() => {
      if (!this.context) throw new Error("a host function was called outside a handler");
      return this.context;
    });
    // The deployment is the code and what it indexes: the manifest, the WASM and any overrides.
    const parts: Uint8Array[] = [
      readFileSync(manifest.file),
      Buffer.from(JSON.stringify(options.sources ?? {})),
    ];
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const source of manifest.dataSources) {
      const code = readFileSync(source.wasmFile);
      parts.push(code);
      const module = new WebAssembly.Module(withHostExports(code));
      const missing: string[] = [];
      for (const entry of WebAssembly.Module.imports(module)) {
        const implementation = functions[entry.name];
        if (entry.kind !== "function" || !implementation) {
          missing.push(`${entry.module}.${entry.name}`);
          continue;
        }
        (imports[entry.module] ??= {})[entry.name] = implementation;
      }
      if (missing.length > 0) {
        throw new ManifestError(
          `data source ${source.name}: the mapping imports ${missing.join(", ")}, which this host does not implement`,
        );
      }
      this.instances.set(
        source.wasmFile,
        new ReusableInstances(module, imports, options.reuseInstances ?? true),
      );
    }
    this.deployment = keccak256(Buffer.concat(parts.map((part) => Buffer.from(part))));
    this.rpc = new SyncRpc(options.rpcUrl);
    this.declaresCalls = this.manifest.dataSources.some((source) =>
      source.eventHandlers.some((handler) => handler.declaredCalls.length > 0),
    );
  }

  /**
   * What eth_getLogs must ask for: every data source address and handled topic; and the last
   * block to index when every data source has an endBlock (graph-node stops there:
   * core/src/subgraph/runner/mod.rs:1340-1350).
   */
  logFilter(): { addresses: string[]; topics: string[]; startBlock: number; endBlock?: number } {
    const sources = this.manifest.dataSources;
    const endBlocks = sources.map((source) => source.endBlock);
    return {
      endBlock: endBlocks.every((end) => end !== undefined) ? Math.max(...endBlocks) : undefined,
      addresses: [...new Set(sources.map((source) => source.address))],
      topics: [
        ...new Set(sources.flatMap((source) => source.eventHandlers.map((handler) => handler.topic0))),
      ],
      startBlock: Math.min(...sources.map((source) => source.startBlock)),
    };
  }

  /**
   * The handlers a block's logs trigger, in log-index order, each log decoded with the event its
   * handler names (the benchmark's raw rate decodes with this too, to decode as indexing does).
   */
  triggers(blockNumber: number, logs: RawLog[], only?: (handler: EventHandler) => boolean): Trigger[] {
    // Each log index parsed once, not at every comparison (a lone log is not compared). A subset
    // of the handlers (`only`) is asked for without order.
    const ordered =
      logs.length < 2 || only
        ? logs
        : logs
            .map((log) => ({ log, index: BigInt(log.logIndex) }))
            .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0))
            .map(({ log }) => log);
    const triggers: Trigger[] = [];
    for (const log of ordered) {
      if (log.removed) continue;
      for (const dataSource of this.manifest.dataSources) {
        if (dataSource.address !== log.address.toLowerCase() || blockNumber < dataSource.startBlock) continue;
        // endBlock is inclusive (graph/src/blockchain/mod.rs:354-356).
        if (dataSource.endBlock !== undefined && blockNumber > dataSource.endBlock) continue;
        for (const handler of dataSource.eventHandlers) {
          if ((only && !only(handler)) || !handlerMatches(handler, log.topics)) continue;
          const params = decodeLog(log, handler);
          if (params) triggers.push({ log, dataSource, handler, params });
        }
      }
    }
    return triggers;
  }

  /** The declared calls (declared-calls.ts) the block's logs make, each once. */
  declaredCalls(blockNumber: number, logs: RawLog[]): CallRequest[] {
    if (!this.declaresCalls) return [];
    const requests = new Map<string, CallRequest>();
    for (const trigger of this.triggers(blockNumber, logs, (handler) => handler.declaredCalls.length > 0))
      for (const call of trigger.handler.declaredCalls) {
        const request = callRequest(call, trigger.log.address, trigger.params);
        if (request) requests.set(callKey(request.to, request.data), request);
      }
    return [...requests.values()];
  }

  /**
   * Runs every handler the block's logs trigger and returns the block's changes. `loadStored`
   * reads an entity as of the previous block. Throws HandlerFailure when a handler fails; any
   * other error (an RPC fault) is not the subgraph's fault and the block can be tried again.
   */
  processBlock(
    block: RawBlock,
    logs: RawLog[],
    loadStored: (entity: string, id: string) => EntityData | null,
  ): EntityChange[] {
    const run = this.blockRun(block, logs, loadStored);
    for (const trigger of run.triggers) run.handle(trigger);
    return run.changes();
  }

  /**
   * processBlock with `pause()` awaited after every `triggersPerTurn` triggers: the thread answers
   * its I/O between them (the node's answers for the ranges and blocks read ahead), which a block
   * of a few hundred logs would otherwise hold up for tens of milliseconds at each step. Nothing
   * else may handle this runtime's triggers meanwhile.
   */
  async processBlockInTurns(
    block: RawBlock,
    logs: RawLog[],
    loadStored: (entity: string, id: string) => EntityData | null,
    triggersPerTurn: number,
    pause: () => Promise<void>,
    answers?: CallAnswers,
  ): Promise<EntityChange[]> {
    const run = this.blockRun(block, logs, loadStored, answers);
    for (const [index, trigger] of run.triggers.entries()) {
      if (index > 0 && index % triggersPerTurn === 0) await pause();
      run.handle(trigger);
    }
    return run.changes();
  }

  /** One block's triggers, the handling of each in turn, and the block's changes once all are handled. */
  private blockRun(
    block: RawBlock,
    logs: RawLog[],
    loadStored: (entity: string, id: string) => EntityData | null,
    answers: CallAnswers = new Map(),
  ) {
    const blockNumber = Number(block.number);
    const writes = new BlockWrites();
    const triggers = this.triggers(blockNumber, logs);
    let objects: BlockObjects | undefined;
    // The block's eth_call answers by address and calldata, as graph-node's call cache keeps
    // them by block: a call repeated within the block is the same question at the same state.
    // The answers to the block's declared calls, made before its handlers run, are among them.
    const calls = new Map(answers);
    return {
      triggers,
      handle: (trigger: Trigger) =>
        this.handle(trigger, block, (objects ??= new BlockObjects(block)), { writes, loadStored, calls }),
      changes: () => writes.changes(loadStored),
    };
  }

  private handle(
    trigger: Trigger,
    block: RawBlock,
    objects: BlockObjects,
    { writes, loadStored, calls }: Pick<TriggerContext, "writes" | "loadStored" | "calls">,
  ): void {
    const blockNumber = Number(block.number);
    const transaction = objects.transaction(trigger.log.transactionHash);
    if (!transaction)
      throw new Error(
        `${this.where(trigger, blockNumber)}: transaction ${trigger.log.transactionHash} is not in the block`,
      );
    const instances = this.instances.get(trigger.dataSource.wasmFile)!;
    const instance = instances.take();
    let clean = false;
    const exports = instance.exports as unknown as AscExports & Record<string, (...args: number[]) => void>;
    let memory = this.memories.get(instance);
    if (!memory) this.memories.set(instance, (memory = new AscMemory(exports)));
    this.context = {
      memory,
      dataSource: trigger.dataSource,
      blockNumber,
      blockHash: block.hash,
      writes,
      shapes: this.options.shapes,
      loadStored,
      rpc: this.rpc,
      calls,
      log: (level, message) =>
        this.options.log?.(level, message, {
          dataSource: trigger.dataSource.name,
          handler: trigger.handler.handler,
          block: blockNumber,
        }),
    };
    try {
      exports._start?.();
      const handler = exports[trigger.handler.handler];
      if (typeof handler !== "function") {
        throw new HandlerError(`the module exports no handler named ${trigger.handler.handler}`);
      }
      handler(
        writeEvent(memory, trigger.log, trigger.handler.fragment, trigger.params, objects, transaction),
      );
      clean = true;
    } catch (error) {
      if (error instanceof HandlerError || error instanceof WebAssembly.RuntimeError) {
        throw new HandlerFailure(
          `${this.where(trigger, blockNumber)}: ${(error as Error).message}`,
          trigger.handler.handler,
          blockNumber,
        );
      }
      throw error;
    } finally {
      this.context = undefined;
      instances.release(clean);
    }
  }

  private where(trigger: Trigger, blockNumber: number): string {
    return `${trigger.dataSource.name}.${trigger.handler.handler} at block ${blockNumber} (log ${Number(trigger.log.logIndex)})`;
  }

  async close(): Promise<void> {
    await this.rpc.close();
  }
}
