// What chain a JSON-RPC URL given on the command line serves (`npm run devnet:deploy`, `npm run
// indexer -- --manifest`), asked once before anything else, with an error that names the option,
// the URL as errors may show it (no key or password: url-secrets.ts) and what went wrong.
import { FetchRequest, type FetchResponse } from "ethers";
import { getUrlWithin, MAX_ANSWER_BYTES } from "../chain/http-transport.ts";
import { shownUrl, withoutUrlSecrets } from "../chain/url-secrets.ts";

const RPC_TIMEOUT_MS = 10_000;

/** The chain's eth_chainId; `unreachableHint` is said when the node cannot be reached. */
export async function chainIdOf(option: string, url: string, unreachableHint: string): Promise<number> {
  const shown = shownUrl(url);
  const fail = (reason: string, unreachable = false) =>
    new Error(
      `--${option} ${shown}: ${withoutUrlSecrets(reason, url, shown)}. ${
        unreachable ? unreachableHint : "Is this the chain's JSON-RPC URL?"
      }`,
    );
  // ethers' FetchRequest rather than fetch(), which refuses some ports (6000, 6665-6669, …) and
  // a URL with a user and password; over the providers' transport, which sends those as Basic
  // authentication as the work will (a bare % in them as written).
  const request = new FetchRequest(url);
  request.getUrlFunc = getUrlWithin(MAX_ANSWER_BYTES);
  request.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
  request.timeout = RPC_TIMEOUT_MS;
  let response: FetchResponse;
  try {
    response = await request.send();
  } catch (error) {
    const { code, shortMessage, message } = error as Error & { code?: string; shortMessage?: string };
    throw fail(
      code === "TIMEOUT"
        ? `no answer to eth_chainId within ${RPC_TIMEOUT_MS / 1000} s`
        : `cannot reach it (${shortMessage ?? message})`,
      true,
    );
  }
  if (!response.ok()) throw fail(`eth_chainId answered HTTP ${response.statusCode}`);
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = JSON.parse(response.bodyText) as typeof body;
  } catch {
    throw fail("eth_chainId got an answer that is not JSON-RPC");
  }
  if (body.error) throw fail(`eth_chainId failed (${body.error.message ?? JSON.stringify(body.error)})`);
  const chainId = typeof body.result === "string" ? Number(body.result) : NaN;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw fail(`eth_chainId answered ${JSON.stringify(body.result)}, not a chain id`);
  }
  return chainId;
}
