// A small differential-test subgraph of our own: a fixture folder under tests/fixtures/<name>/ holds
// schema.graphql, mapping.ts (AssemblyScript, reading event.parameters, no codegen) and
// <Contract>.sol. buildFixtureSubgraph compiles the contract with solc from npm, writes its ABI and
// builds the subgraph with the real `graph build` (cached by its inputs, like trapping-subgraph.ts);
// startFixture deploys the contract on a fresh anvil and runs the embedded indexer on it.
// Used by tests/indexer-parity-store.test.ts and by helper R2's fixture: keep this API stable.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { Contract, ContractFactory, type InterfaceAbi } from "ethers";
import { stringify } from "yaml";
import { connectChain } from "../../chain/provider.ts";
import { mined } from "../../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../../devnet/accounts.ts";
import { startAnvil, type AnvilChain } from "../../devnet/anvil.ts";
import { startIndexerHost, type IndexerHost } from "../../indexer/host.ts";
import { DEFAULT_BUILD_DIR } from "../../subgraph/build.ts";
import { cachedBuild } from "../../subgraph/build-lock.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

export interface FixtureOptions {
  /** Folder name under tests/fixtures. */
  fixture: string;
  /** The contract's name; its source is <fixture>/<contract>.sol. */
  contract: string;
  /** Event signatures as in a manifest, e.g. "Saved(uint256,string)", and their handlers. */
  eventHandlers: { event: string; handler: string }[];
  /** Entity names for the manifest's mapping.entities (informational for graph-node). */
  entities: string[];
}

export interface BuiltFixture {
  /** The built manifest (build/subgraph.yaml) to host. */
  manifestFile: string;
  /** The data source's name (the contract's name). */
  dataSource: string;
  abi: InterfaceAbi;
  bytecode: string;
}

export interface RunningFixture {
  chain: AnvilChain;
  host: IndexerHost;
  /** The deployed contract, connected to a funded dev wallet. */
  contract: Contract;
  /** Syncs the indexer to the chain head, then answers a GraphQL query (the whole JSON body). */
  query(text: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
}

function compileContract(source: string, name: string): { abi: InterfaceAbi; bytecode: string } {
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { [`${name}.sol`]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0)
    throw new Error(`${name}.sol does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const contract = output.contracts[`${name}.sol`]?.[name];
  if (!contract) throw new Error(`solc produced no contract ${name} from ${name}.sol`);
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

export async function buildFixtureSubgraph(options: FixtureOptions): Promise<BuiltFixture> {
  const folder = path.join(ROOT, "tests/fixtures", options.fixture);
  const work = path.join(DEFAULT_BUILD_DIR, `fixture-${options.fixture}`);
  const built = path.join(work, "build", "subgraph.yaml");
  const stamp = path.join(work, "inputs");
  const source = readFileSync(path.join(folder, `${options.contract}.sol`), "utf8");
  const compiled = compileContract(source, options.contract);
  const inputs = [
    ...["schema.graphql", "mapping.ts"].map((file) => readFileSync(path.join(folder, file), "utf8")),
    JSON.stringify(compiled.abi),
    JSON.stringify(options),
  ].join("\n");
  const result = { manifestFile: built, dataSource: options.contract, ...compiled };
  await cachedBuild({
    stamp,
    inputs,
    outputs: [built],
    build: () => buildFixture(options, folder, work, compiled.abi),
  });
  return result;
}

async function buildFixture(
  options: FixtureOptions,
  folder: string,
  work: string,
  abi: InterfaceAbi,
): Promise<void> {
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, `${options.contract}.json`), JSON.stringify(abi));
  const manifest = {
    specVersion: "1.3.0",
    schema: { file: path.relative(work, path.join(folder, "schema.graphql")) },
    dataSources: [
      {
        kind: "ethereum/contract",
        name: options.contract,
        network: "fixture",
        // The address is overridden at hosting (HostedSubgraph.sources), so the build is reusable.
        source: {
          address: "0x0000000000000000000000000000000000000000",
          abi: options.contract,
          startBlock: 0,
        },
        mapping: {
          kind: "ethereum/events",
          apiVersion: "0.0.9",
          language: "wasm/assemblyscript",
          entities: options.entities,
          abis: [{ name: options.contract, file: `./${options.contract}.json` }],
          eventHandlers: options.eventHandlers,
          file: path.relative(work, path.join(folder, "mapping.ts")),
        },
      },
    ],
  };
  writeFileSync(path.join(work, "subgraph.yaml"), stringify(manifest));
  await promisify(execFile)(
    path.join(ROOT, "node_modules/.bin/graph"),
    ["build", "subgraph.yaml", "--output-dir", "build"],
    { cwd: work },
  );
}

/** Starts an anvil (automine), deploys the fixture's contract and hosts the subgraph on it. */
export async function startFixture(built: BuiltFixture): Promise<RunningFixture> {
  const chain = await startAnvil({ name: "fixture", chainId: 31_337 });
  let host: IndexerHost | undefined;
  try {
    const provider = connectChain(chain.rpcUrl, chain.chainId);
    const wallet = devWallet(ROLE_INDEX.owner, provider);
    const factory = new ContractFactory(built.abi, built.bytecode, wallet);
    const deployed = await factory.deploy();
    const receipt = await mined(deployed.deploymentTransaction()!);
    const address = await deployed.getAddress();
    const name = "fixture";
    const started = await startIndexerHost({
      subgraphs: [
        {
          name,
          manifestFile: built.manifestFile,
          rpcUrl: chain.rpcUrl,
          chainId: chain.chainId,
          sources: { [built.dataSource]: { address, startBlock: receipt!.blockNumber } },
          databaseFile: ":memory:",
        },
      ],
    });
    host = started;
    return {
      chain,
      host: started,
      contract: new Contract(address, built.abi, wallet),
      async query(text) {
        await started.syncAll();
        const response = await fetch(started.httpUrl(name), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: text }),
        });
        return (await response.json()) as Record<string, unknown>;
      },
      async stop() {
        await started.stop();
        await chain.stop();
      },
    };
  } catch (error) {
    await host?.stop();
    await chain.stop();
    throw error;
  }
}
