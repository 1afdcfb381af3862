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
// the transport's bound (http-transport.ts) is not asked for again. With `checkChainId`, a URL is
// asked its chain id before anything else is sent to it (a node down at start is asked when it
// answers), and a URL of another chain is never used.
import {
  FetchRequest,
  JsonRpcProvider,
  Network,
  type FetchGetUrlFunc,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import { AnswerTooLargeError, getUrlWithin, MAX_ANSWER_BYTES } from "./http-transport.ts";
import { hostOf, scrubUrlFromError } from "./url-secrets.ts";

export interface ConnectOptions {
  /** How often ethers polls for receipts and blocks (ms). */
  pollingIntervalMs?: number;
  /** A request without an answer after this long counts as failed (ms). */
  timeoutMs?: number;
  /** Rounds over every URL a read is tried again after the first, with a doubling pause. */
  retries?: number;
  /** The largest answer taken (bytes, unpacked); a larger one fails the request. */
  maxAnswerBytes?: number;
  /** Ask each URL its chain id before its first use; one of another chain is never used. */
  checkChainId?: boolean;
  /** Told once of a URL found to be of another chain (by its place in the list), with its chain id. */
  onWrongChain?: (index: number, chainId: bigint) => void;
}

/** A URL whose node is of another chain than the provider's: nothing is sent to it. */
export class WrongChainError extends Error {
  override name = "WrongChainError";
}

/** The URL's chain id could not be asked (or its answer was no chain id): nothing was sent to it. */
export class ChainIdUnknownError extends Error {
  override name = "ChainIdUnknownError";
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

interface ChainIdCheck {
  /** Each URL's check: done (true), under way, or a refusal for good. */
  readonly checked: (true | Promise<void> | WrongChainError | undefined)[];
  readonly onWrongChain?: (index: number, chainId: bigint) => void;
}

class FailoverProvider extends JsonRpcProvider {
  /** The URL that answered last: requests start there. */
  private current = 0;
  private readonly chainIdCheck: ChainIdCheck | undefined;

  constructor(
    private readonly urls: readonly string[],
    private readonly chainId: number,
    private readonly timeoutMs: number,
    private readonly retries: number,
    private readonly getUrl: FetchGetUrlFunc,
    check: Pick<ConnectOptions, "checkChainId" | "onWrongChain">,
  ) {
    super(urls[0], Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
    this.chainIdCheck = check.checkChainId ? { checked: [], onWrongChain: check.onWrongChain } : undefined;
  }

  /**
   * Resolves once the URL has said it is of this chain; rejects with WrongChainError (for good) or
   * ChainIdUnknownError (asked again at its next use). Nothing else is sent to it before.
   */
  private async checkUrl(index: number): Promise<void> {
    const check = this.chainIdCheck;
    const state = check?.checked[index];
    if (!check || state === true) return;
    if (state instanceof WrongChainError) throw state;
    if (state) return state;
    const asking = (async () => {
      let answer: unknown;
      try {
        const [response] = await this.post(this.urls[index]!, {
          jsonrpc: "2.0",
          id: 0,
          method: "eth_chainId",
          params: [],
        });
        answer = (response as { result?: unknown } | undefined)?.result;
      } catch (error) {
        throw new ChainIdUnknownError(`${hostOf(this.urls[index]!)} did not say its chain id`, {
          cause: error,
        });
      }
      if (typeof answer !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(answer))
        throw new ChainIdUnknownError(`${hostOf(this.urls[index]!)} answered no chain id to eth_chainId`);
      const chainId = BigInt(answer);
      if (chainId !== BigInt(this.chainId)) {
        const refusal = new WrongChainError(
          `${hostOf(this.urls[index]!)} is chain ${chainId}, not chain ${this.chainId}: it is not used`,
        );
        check.checked[index] = refusal;
        check.onWrongChain?.(index, chainId);
        throw refusal;
      }
      check.checked[index] = true;
    })();
    check.checked[index] = asking;
    try {
      await asking;
    } finally {
      if (check.checked[index] === asking) check.checked[index] = undefined;
    }
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
          await this.checkUrl(index);
          const responses = await this.post(this.urls[index]!, payload);
          this.current = index;
          return responses;
        } catch (error) {
          failure = error;
          // A URL not checked, or of another chain, was sent nothing: the next may be tried.
          const notSent = error instanceof WrongChainError || error instanceof ChainIdUnknownError;
          if (!read && !notSent && !connectionRefused(error)) throw error;
          // Asked again, any node gives the same answer: the caller must ask for less.
          if (error instanceof AnswerTooLargeError) throw error;
        }
      }
    }
    throw failure;
  }

  /** One HTTP exchange; throws on anything but JSON-RPC responses (which may carry errors). */
  private async post(url: string, payload: JsonRpcPayload | JsonRpcPayload[]): Promise<RpcResponse[]> {
    try {
      return await this.exchange(url, payload);
    } catch (error) {
      // ethers names the URL whole in its errors (`requestUrl`): a path or query may hold a key.
      throw scrubUrlFromError(error, url, hostOf(url));
    }
  }

  private async exchange(url: string, payload: JsonRpcPayload | JsonRpcPayload[]): Promise<RpcResponse[]> {
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
    ...check
  } = typeof options === "number" ? { pollingIntervalMs: options } : options;
  const urls = typeof rpcUrls === "string" ? [rpcUrls] : rpcUrls;
  if (urls.length === 0) throw new Error(`connectChain: no RPC URL for chain ${chainId}`);
  const provider = new FailoverProvider(
    urls,
    chainId,
    timeoutMs,
    retries,
    getUrlWithin(maxAnswerBytes),
    check,
  );
  provider.pollingInterval = pollingIntervalMs;
  return provider;
}
