// One way to open a chain: a known chain id (no network detection), no response cache (ethers
// would otherwise serve a stale block number right after a transaction), no request batching
// (ethers holds each request 10 ms to batch it, which sequential work pays on every call), and
// quick receipt polling.
import { JsonRpcProvider, Network } from "ethers";

export function connectChain(rpcUrl: string, chainId: number, pollingIntervalMs = 250): JsonRpcProvider {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
  provider.pollingInterval = pollingIntervalMs;
  return provider;
}
