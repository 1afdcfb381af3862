// The runtime-parity fixture (tests/fixtures/parity-runtime-subgraph): built once with
// fixture-subgraph.ts, its contract deployed on one anvil, and hosted in variants whose manifest
// differs only in what `graph build` passes through untouched (context, topic filters, endBlock),
// so no variant needs a build of its own.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, JsonRpcProvider } from "ethers";
import { parse, stringify } from "yaml";
import { mined } from "../../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../../devnet/accounts.ts";
import { startAnvil, type AnvilChain } from "../../devnet/anvil.ts";
import { startIndexerHost, type IndexerHost } from "../../indexer/host.ts";
import { buildFixtureSubgraph, type BuiltFixture } from "./fixture-subgraph.ts";

type Yaml = Record<string, unknown>;

export interface HostedVariant {
  host: IndexerHost;
  /** Syncs to the chain head (rejecting with the error a retried block fails with), then queries. */
  query(text: string): Promise<Record<string, unknown>>;
}

export interface RuntimeFixture {
  chain: AnvilChain;
  provider: JsonRpcProvider;
  contract: Contract;
  deploymentBlock: number;
  /** Hosts the subgraph with its data source edited by `edit`, from `startBlock`. */
  host(name: string, edit: (dataSource: Yaml) => void, startBlock?: number): Promise<HostedVariant>;
  stop(): Promise<void>;
}

export function buildRuntimeFixture(): Promise<BuiltFixture> {
  return buildFixtureSubgraph({
    fixture: "parity-runtime-subgraph",
    contract: "RuntimeParity",
    eventHandlers: [
      { event: "Tagged(indexed address,indexed uint256,uint256)", handler: "handleTagged" },
      { event: "Named(indexed string,indexed bytes,string)", handler: "handleNamed" },
      { event: "Probe(uint256)", handler: "handleProbe" },
    ],
    entities: ["Tag", "Name", "Call"],
  });
}

export async function startRuntimeFixture(built: BuiltFixture): Promise<RuntimeFixture> {
  const chain = await startAnvil({ name: "parity-runtime", chainId: 31_337 });
  const hosts: IndexerHost[] = [];
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const wallet = devWallet(ROLE_INDEX.owner, provider);
    const deployed = await new ContractFactory(built.abi, built.bytecode, wallet).deploy();
    const receipt = await mined(deployed.deploymentTransaction()!);
    const address = await deployed.getAddress();
    const manifest = parse(readFileSync(built.manifestFile, "utf8")) as { dataSources: Yaml[] };
    return {
      chain,
      provider,
      contract: new Contract(address, built.abi, wallet),
      deploymentBlock: receipt!.blockNumber,
      async host(name, edit, startBlock = receipt!.blockNumber) {
        const variant = structuredClone(manifest);
        edit(variant.dataSources[0]!);
        const file = path.join(path.dirname(built.manifestFile), `subgraph-${name}.yaml`);
        writeFileSync(file, stringify(variant));
        const host = await startIndexerHost({
          subgraphs: [
            {
              name,
              manifestFile: file,
              rpcUrl: chain.rpcUrl,
              chainId: chain.chainId,
              sources: { [built.dataSource]: { address, startBlock } },
              databaseFile: ":memory:",
            },
          ],
        });
        hosts.push(host);
        return {
          host,
          async query(text) {
            await host.syncAll();
            const response = await fetch(host.httpUrl(name), {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ query: text }),
            });
            return (await response.json()) as Record<string, unknown>;
          },
        };
      },
      async stop() {
        for (const host of hosts) await host.stop();
        provider.destroy();
        await chain.stop();
      },
    };
  } catch (error) {
    provider.destroy();
    await chain.stop();
    throw error;
  }
}
