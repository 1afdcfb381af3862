// Blocking JSON-RPC for host functions. A mapping's imports are synchronous, so ethereum.call
// cannot await; the request runs on a worker thread while this thread waits on a shared flag.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { MAX_ANSWER_BYTES } from "../../chain/http-transport.ts";
import { requestTarget } from "../../chain/url-credentials.ts";
import { hostOf } from "../../chain/url-secrets.ts";

export class SyncRpcError extends Error {
  override name = "SyncRpcError";
}

interface Reply {
  /** The call's JSON-RPC id, which the worker sends back with its reply. */
  id: number;
  status?: number;
  text?: string;
  error?: string;
}

export class SyncRpc {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  /** Where requests go, and the URL's user and password as Basic authentication (the worker is plain JavaScript). */
  private readonly target: { url: string; auth: string | undefined };

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 30_000,
    maxAnswerBytes = MAX_ANSWER_BYTES,
  ) {
    let target: ReturnType<typeof requestTarget>;
    try {
      target = requestTarget(url);
    } catch {
      // The URL parser's error carries the text whole (`input`), key and all.
      throw new SyncRpcError(`the RPC URL for ethereum.call is not a URL`);
    }
    this.target = { url: target.url.href, auth: target.auth };
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // The worker is plain JavaScript: without the parent's loader flags (tsx) it starts in a
    // fraction of the time, and the first ethereum.call waits for it to start.
    this.worker = new Worker(new URL("./sync-rpc-worker.mjs", import.meta.url), {
      workerData: { port: port2, signal: this.signal, maxAnswerBytes },
      transferList: [port2],
      execArgv: [],
    });
    this.worker.unref();
    this.port.unref();
  }

  /** The result of a JSON-RPC call, or a SyncRpcError (with the node's error object, if any). */
  call(method: string, params: unknown[]): unknown {
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    this.port.postMessage({ ...this.target, id, body, timeoutMs: this.timeoutMs });
    const reply = this.replyTo(id, Date.now() + this.timeoutMs + 1000);
    if (!reply) throw new SyncRpcError(`${method} to ${hostOf(this.url)} timed out`);
    if (reply.error !== undefined)
      throw new SyncRpcError(`${method} to ${hostOf(this.url)} failed: ${reply.error}`);
    let parsed: { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    try {
      parsed = JSON.parse(reply.text ?? "");
    } catch {
      throw new SyncRpcError(`${method} to ${hostOf(this.url)}: HTTP ${reply.status}, not a JSON-RPC reply`);
    }
    if (parsed.error) {
      const error = new SyncRpcError(`${method}: ${parsed.error.message}`);
      Object.assign(error, { rpcError: parsed.error });
      throw error;
    }
    return parsed.result;
  }

  /**
   * Waits for the reply to call `id` until `deadline`. A call that timed out still gets its reply
   * later, after which the worker goes on: such replies are dropped here, or each call after would
   * take the answer to the one before.
   */
  private replyTo(id: number, deadline: number): Reply | undefined {
    for (;;) {
      for (
        let message = receiveMessageOnPort(this.port);
        message;
        message = receiveMessageOnPort(this.port)
      ) {
        const reply = message.message as Reply;
        if (reply.id === id) return reply;
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.signal, 0, 0, left) === "timed-out") return undefined;
      // Woken by a reply (this call's or a late one): read the port again, from a cleared flag.
      Atomics.store(this.signal, 0, 0);
    }
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
