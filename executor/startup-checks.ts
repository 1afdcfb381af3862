// What must hold before the executor sends anything: each RPC URL reaches the deployment's chain,
// each contract of the deployment has code there, and the key may do its work (a worker of the
// OSTComposer's and the RedeemPool's organizations, and of the Anchors' organizations when it
// anchors). A failure is one line naming the field and the fix. Balances are not a start-up check:
// the balance watch (balances.ts) reads them before the first decision and warns when they are low.
import { Contract, type JsonRpcProvider } from "ethers";
import type { Organization } from "../chain/contract-types.ts";
import type { Deployment } from "../chain/deployment-file.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { ChainIdUnknownError, connectChain } from "../chain/provider.ts";
import { hostOf } from "../chain/url-secrets.ts";
import { pairProblem } from "./pair-checks.ts";
import type { ServedPair } from "./supported-gateways.ts";
import { bindAuxiliary, bindOrigin } from "../chain/mosaic-contracts.ts";
import type { ChainName } from "./config.ts";
import type { Logger } from "./observability/logger.ts";
import { errorText } from "./transactions/rpc-errors.ts";

export class StartupCheckError extends Error {
  override name = "StartupCheckError";
}

export interface StartupCheckInput {
  deployment: Deployment;
  /** Every RPC URL configured per chain, in the order they are used. */
  rpcUrls: Record<ChainName, string[]>;
  providers: Record<ChainName, JsonRpcProvider>;
  facilitator: string;
  anchoring: boolean;
  /** The other anchorers configured (anchoring.anchorers): one without the right is warned about. */
  anchorers?: string[];
  logger: Logger;
  /** How long one URL may take to say its chain id (ms). */
  timeoutMs?: number;
  /** The gateway pairs served (supportedGateways): each is checked on both chains. */
  pairs: ServedPair[];
}

const CHAINS: ChainName[] = ["origin", "auxiliary"];

async function chainIdAt(url: string, expected: number, timeoutMs: number): Promise<bigint | "unreachable"> {
  // The executor's own transport: a URL's user and password are sent as the work will send them.
  const provider = connectChain(url, expected, { retries: 0, timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      provider.send("eth_chainId", []) as Promise<string>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return BigInt(answer);
  } catch {
    return "unreachable";
  } finally {
    clearTimeout(timer);
    provider.destroy();
  }
}

async function checkChainIds(input: StartupCheckInput): Promise<Set<ChainName>> {
  const reachable = new Set<ChainName>();
  for (const chain of CHAINS) {
    const expected = input.deployment[chain].chainId;
    for (const [index, url] of input.rpcUrls[chain].entries()) {
      const field =
        input.rpcUrls[chain].length > 1 ? `chains.${chain}.rpcUrls[${index}]` : `chains.${chain}.rpcUrl`;
      const answer = await chainIdAt(url, expected, input.timeoutMs ?? 4000);
      if (answer === "unreachable") {
        input.logger.warn(
          "start-up check: an RPC URL does not answer; it is tried again as the work needs it",
          {
            field,
            host: hostOf(url),
          },
        );
        continue;
      }
      if (answer !== BigInt(expected)) {
        throw new StartupCheckError(
          `${field}: ${hostOf(url)} is chain ${answer}, but the deployment's ${chain} chain is ${expected}: point it at a node of chain ${expected}`,
        );
      }
      reachable.add(chain);
    }
  }
  return reachable;
}

async function checkCode(input: StartupCheckInput, chain: ChainName): Promise<void> {
  const contracts = input.deployment[chain].contracts as unknown as Record<string, string>;
  for (const [name, address] of Object.entries(contracts)) {
    if ((await input.providers[chain].getCode(address)) === "0x") {
      throw new StartupCheckError(
        `deployment file: ${chain}.contracts.${name}: ${address} has no code on chain ${input.deployment[chain].chainId}: fix the address, or deploy the contracts (npm run devnet:deploy on a development network)`,
      );
    }
  }
}

/** The Organization a contract names, bound to the same chain. */
async function organizationOf(
  organized: { organization(): Promise<string> },
  provider: JsonRpcProvider,
): Promise<Organization> {
  return new Contract(await organized.organization(), mosaicAbi("Organization"), provider) as Organization;
}

/** Where requests are accepted on a chain, and its Anchor: the contracts whose organizations matter. */
function organizedOn(input: StartupCheckInput, chain: ChainName) {
  const provider = input.providers[chain];
  if (chain === "origin") {
    const { ostComposer, anchor } = bindOrigin(input.deployment, provider);
    return { name: "OSTComposer", requests: ostComposer, anchor };
  }
  const { redeemPool, anchor } = bindAuxiliary(input.deployment, provider);
  return { name: "RedeemPool", requests: redeemPool, anchor };
}

async function checkRoles(input: StartupCheckInput, chain: ChainName): Promise<void> {
  const provider = input.providers[chain];
  const { name, requests, anchor } = organizedOn(input, chain);
  const workers = await organizationOf(requests, provider);
  if (!(await workers.isWorker(input.facilitator))) {
    throw new StartupCheckError(
      `keystore: ${input.facilitator} is not a worker of the ${name}'s organization ${await workers.getAddress()} on ${chain}: its owner or admin adds it with setWorker(${input.facilitator}, expirationHeight)`,
    );
  }
  if (!input.anchoring) return;
  const anchors = await organizationOf(anchor, provider);
  if (!(await anchors.isOrganization(input.facilitator))) {
    throw new StartupCheckError(
      `anchoring: ${input.facilitator} is neither owner nor admin of the ${chain} Anchor's organization ${await anchors.getAddress()}: remove "anchoring" from the configuration, or make the key that organization's admin`,
    );
  }
  // Not refused: the others' rights may change while this one runs. Its turns only cost a delay.
  for (const anchorer of input.anchorers ?? []) {
    if (await anchors.isOrganization(anchorer)) continue;
    input.logger.warn(
      "start-up check: a listed anchorer cannot anchor; its turns pass to the next after takeoverBlocks",
      { field: "anchoring.anchorers", anchorer, chain, organization: await anchors.getAddress() },
    );
  }
}

/** Tries of a chain's checks whose node stopped answering on the way, before they are left to the work. */
const CHECK_TRIES = 3;
const CHECK_RETRY_PAUSE_MS = 500;

/**
 * Whether a read failed for want of an answer (a timeout, a dropped connection, an HTTP error),
 * after the provider's own retries, rather than with one (a revert, undecodable data).
 */
function unanswered(error: unknown): boolean {
  // The provider asks a URL its chain id before its first use: no answer to that is no answer.
  if (error instanceof ChainIdUnknownError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(TIMEOUT|SERVER_ERROR|NETWORK_ERROR|E[A-Z]+)$/.test(code);
}

async function checkChain(input: StartupCheckInput, chain: ChainName): Promise<void> {
  await checkCode(input, chain);
  const pairs = await pairProblem(input.deployment, input.pairs, chain, input.providers[chain]);
  if (pairs !== undefined) throw new StartupCheckError(pairs);
  await checkRoles(input, chain);
}

/** Throws a StartupCheckError for the first check that fails. */
export async function checkStartup(input: StartupCheckInput): Promise<void> {
  const reachable = await checkChainIds(input);
  for (const chain of CHAINS) {
    // A chain none of whose URLs answers is checked when its node is back: the work retries reads.
    if (!reachable.has(chain)) continue;
    // So is one whose node stops answering during the checks, and keeps not answering: a node
    // that drops a request now and then must not keep the executor from starting.
    for (let tries = 1; ; tries++) {
      try {
        await checkChain(input, chain);
        break;
      } catch (error) {
        if (!unanswered(error)) throw error;
        if (tries >= CHECK_TRIES) {
          input.logger.warn("start-up check: the node stopped answering; the checks are left to the work", {
            chain,
            error: errorText(error),
          });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, CHECK_RETRY_PAUSE_MS));
      }
    }
  }
}
