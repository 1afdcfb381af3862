// A transaction manager on two plain anvil chains with SQLite books, for tests of the manager
// itself (no indexer, no executor): the facilitator's key sends on both chains.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseUnits, type JsonRpcProvider } from "ethers";
import { connectChain } from "../../chain/provider.ts";
import { devWallet, ROLE_INDEX } from "../../devnet/accounts.ts";
import { startAnvil, type AnvilChain } from "../../devnet/anvil.ts";
import { openBooks, type Books } from "../../executor/bookkeeping/index.ts";
import type { ChainName, GasPolicy } from "../../executor/config.ts";
import type { Logger } from "../../executor/observability/logger.ts";
import { createMetrics, type ExecutorMetrics } from "../../executor/observability/metrics.ts";
import { TransactionManager, type ChainSender } from "../../executor/transactions/tx-manager.ts";

/** The gas policy of the manager tests: no floor for requests, fees anvil always takes. */
export function testGasPolicy(resubmitAfterMs: number): GasPolicy {
  return {
    minRequestGasPrice: 0n,
    minRequestGasLimit: 0n,
    maxFeePerGas: parseUnits("500", "gwei"),
    priorityFeePerGas: parseUnits("1", "gwei"),
    bumpPercent: 15,
    resubmitAfterMs,
  };
}

export interface ManagerChains {
  books: Books;
  manager: TransactionManager;
  metrics: ExecutorMetrics;
  providers: Record<ChainName, JsonRpcProvider>;
  senders: Record<ChainName, ChainSender>;
  /** Stops the manager (waiting for what it started), closes the books, stops the chains. */
  stop(): Promise<void>;
}

export async function startManagerChains(options: {
  chainIds: { origin: number; auxiliary: number };
  gas: GasPolicy;
  logger: Logger;
  /** Changes a provider before the manager uses it (e.g. to inject faults). */
  adapt?: (provider: JsonRpcProvider) => void;
  /** The RPC URLs the manager uses for a chain (e.g. a fault proxy in front of it); the chain's by default. */
  rpcUrls?: (name: ChainName, rpcUrl: string) => Promise<string[]>;
  /** Each request's timeout in the manager's providers (ms); connectChain's default when left out. */
  rpcTimeoutMs?: number;
  /** A chain's EVM hardfork (e.g. "berlin": no base fee); anvil's latest when left out. */
  hardforks?: Partial<Record<ChainName, string>>;
}): Promise<ManagerChains> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "manager-chains-"));
  const names = ["origin", "auxiliary"] as const;
  const chains: AnvilChain[] = await Promise.all(
    names.map((name) =>
      startAnvil({ name, chainId: options.chainIds[name], accounts: 8, hardfork: options.hardforks?.[name] }),
    ),
  );
  const providers = {} as Record<ChainName, JsonRpcProvider>;
  const senders = {} as Record<ChainName, ChainSender>;
  for (const [index, name] of names.entries()) {
    const chain = chains[index]!;
    const urls = (await options.rpcUrls?.(name, chain.rpcUrl)) ?? [chain.rpcUrl];
    const provider = connectChain(urls, chain.chainId, {
      pollingIntervalMs: 100,
      timeoutMs: options.rpcTimeoutMs,
    });
    options.adapt?.(provider);
    providers[name] = provider;
    senders[name] = {
      name,
      chainId: chain.chainId,
      provider,
      wallet: devWallet(ROLE_INDEX.facilitator).connect(provider) as unknown as ChainSender["wallet"],
      confirmations: 1,
    };
  }
  const books = await openBooks({
    url: `file:${path.join(dir, "books.sqlite")}`,
    passphrase: "manager chains",
  });
  const metrics = createMetrics();
  const manager = new TransactionManager({
    books,
    senders,
    gas: options.gas,
    logger: options.logger,
    metrics,
    pollIntervalMs: 100,
  });
  return {
    books,
    manager,
    metrics,
    providers,
    senders,
    async stop() {
      manager.stop();
      await manager.drained();
      await books.close();
      for (const provider of Object.values(providers)) provider.destroy();
      await Promise.all(chains.map((chain) => chain.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
