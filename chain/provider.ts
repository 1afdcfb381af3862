// One way to open a chain: a known chain id (no network detection), no response cache (ethers
// would otherwise serve a stale block number right after a transaction), no request batching
// (ethers holds each request 10 ms to batch it, which sequential work pays on every call), and
// quick receipt polling.
//
// A node that fails must not stop the work: every request has a timeout (shorter than a block or
// two, where ethers waits five minutes), reads that failed on the way (refused, dropped, timed out,
// an HTTP error) are tried again at the next URL and then again after a pause, and several URLs of
// one chain are used in order, starting from the one that answered last. Anything that is not a
// read (a raw transaction, anvil's evm_mine) is sent once, to the next URL only when the connection
// was refused, so nothing the node may have received is sent again here. An answer larger than
// the transport's bound (http-transport.ts) is not asked for again.
import {
  FetchRequest,
  JsonRpcProvider,
  Network,
  type FetchGetUrlFunc,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import { AnswerTooLargeError, getUrlWithin, MAX_ANSWER_BYTES } from "./http-transport.ts";

export interface ConnectOptions {
  /** How often ethers polls for receipts and blocks (ms). */
  pollingIntervalMs?: number;
  /** A request without an answer after this long counts as failed (ms). */
  timeoutMs?: number;
  /** Rounds over every URL a read is tried again after the first, with a doubling pause. */
  retries?: number;
  /** The largest answer taken (bytes, unpacked); a larger one fails the request. */
  maxAnswerBytes?: number;
}

export const DEFAULT_RPC_TIMEOUT_MS = 4000;
const DEFAULT_READ_RETRIES = 2;
const FIRST_RETRY_PAUSE_MS = 200;

/** Requests that change nothing: trying them again, or at another node, is safe. */
const READS = new Set([
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getCode",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_maxPriorityFeePerGas",
  "net_version",
]);

/** What ethers' own _send returns: results, or error objects typed as results. */
type RpcResponse = JsonRpcResult;

class FailoverProvider extends JsonRpcProvider {
  /** The URL that answered last: requests start there. */
  private current = 0;

  constructor(
    private readonly urls: readonly string[],
    chainId: number,
    private readonly timeoutMs: number,
    private readonly retries: number,
    private readonly getUrl: FetchGetUrlFunc,
  ) {
    super(urls[0], Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<RpcResponse[]> {
    const requests = Array.isArray(payload) ? payload : [payload];
    const read = requests.every((request) => READS.has(request.method));
    let failure: unknown;
    for (let round = 0; round <= (read ? this.retries : 0); round++) {
      if (round > 0)
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_PAUSE_MS * 2 ** (round - 1)));
      for (let offset = 0; offset < this.urls.length; offset++) {
        const index = (this.current + offset) % this.urls.length;
        try {
          const responses = await this.post(this.urls[index]!, payload);
          this.current = index;
          return responses;
        } catch (error) {
          failure = error;
          if (!read && !connectionRefused(error)) throw error;
          // Asked again, any node gives the same answer: the caller must ask for less.
          if (error instanceof AnswerTooLargeError) throw error;
        }
      }
    }
    throw failure;
  }

  /** One HTTP exchange; throws on anything but JSON-RPC responses (which may carry errors). */
  private async post(url: string, payload: JsonRpcPayload | JsonRpcPayload[]): Promise<RpcResponse[]> {
    const request = new FetchRequest(url);
    request.getUrlFunc = this.getUrl;
    request.timeout = this.timeoutMs;
    request.body = JSON.stringify(payload);
    request.setHeader("content-type", "application/json");
    const response = await request.send();
    let body: unknown;
    try {
      // Decoded natively: ethers' bodyJson decodes UTF-8 in JavaScript, the main cost of a large read.
      body = response.body ? JSON.parse(UTF8.decode(response.body)) : undefined;
    } catch {
      body = undefined;
    }
    const responses = (Array.isArray(body) ? body : [body]) as RpcResponse[];
    // A node may answer a JSON-RPC error with an HTTP error status: that is an answer, not a fault.
    if (responses.every((item) => typeof item === "object" && item !== null && "id" in item))
      return responses;
    response.assertOk();
    throw new Error(`chain ${this._network.chainId}: the node's answer is not JSON-RPC`);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function connectionRefused(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ECONNREFUSED";
}

/**
 * A provider for a chain at one or more RPC URLs (tried in order when one fails). Reads are retried
 * with backoff; each request times out after `timeoutMs` (4 s by default).
 */
export function connectChain(
  rpcUrls: string | readonly string[],
  chainId: number,
  options: ConnectOptions | number = {},
): JsonRpcProvider {
  const {
    pollingIntervalMs = 250,
    timeoutMs = DEFAULT_RPC_TIMEOUT_MS,
    retries = DEFAULT_READ_RETRIES,
    maxAnswerBytes = MAX_ANSWER_BYTES,
  } = typeof options === "number" ? { pollingIntervalMs: options } : options;
  const urls = typeof rpcUrls === "string" ? [rpcUrls] : rpcUrls;
  if (urls.length === 0) throw new Error(`connectChain: no RPC URL for chain ${chainId}`);
  const provider = new FailoverProvider(urls, chainId, timeoutMs, retries, getUrlWithin(maxAnswerBytes));
  provider.pollingInterval = pollingIntervalMs;
  return provider;
}
