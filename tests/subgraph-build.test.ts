// The subgraph build for a real development network: the built manifests point at the deployed
// contracts, every handler they name is in the compiled WASM, the WASM asks its host only for what
// graph-node provides, and every Mosaic event has a handler.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Interface, id, type InterfaceAbi } from "ethers";
import { parse } from "yaml";
import type { Deployment } from "../chain/deployment-file.ts";
import { mosaicAbi, type MosaicContractName } from "../chain/mosaic-artifacts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { buildSubgraphs, type BuiltManifests } from "../subgraph/build.ts";

interface BuiltDataSource {
  name: string;
  network: string;
  source: { address: string; abi: string; startBlock: number };
  mapping: {
    apiVersion: string;
    file: string;
    abis: { name: string; file: string }[];
    eventHandlers: { event: string; handler: string }[];
  };
}

type Chain = "origin" | "auxiliary";
const CHAINS: Chain[] = ["origin", "auxiliary"];

/** The contract behind each fixed data source name, and its address in a deployment. */
const DATA_SOURCES: Record<
  Chain,
  Record<string, { contract: MosaicContractName; address: (d: Deployment) => string }>
> = {
  origin: {
    OSTComposer: { contract: "OSTComposer", address: (d) => d.origin.contracts.ostComposer },
    EIP20Gateway: { contract: "EIP20Gateway", address: (d) => d.origin.contracts.gateway },
    OriginAnchor: { contract: "Anchor", address: (d) => d.origin.contracts.anchor },
    OriginOrganization: { contract: "Organization", address: (d) => d.origin.contracts.organization },
  },
  auxiliary: {
    RedeemPool: { contract: "RedeemPool", address: (d) => d.auxiliary.contracts.redeemPool },
    EIP20CoGateway: { contract: "EIP20CoGateway", address: (d) => d.auxiliary.contracts.coGateway },
    AuxiliaryAnchor: { contract: "Anchor", address: (d) => d.auxiliary.contracts.anchor },
    AuxiliaryOrganization: {
      contract: "Organization",
      address: (d) => d.auxiliary.contracts.organization,
    },
  },
};

/** The events shared/notes/mosaic-protocol.md names per contract (its "revert events" and "bounty
 * change events" are spelt out from the ABI). */
const BOUNTY_EVENTS = ["BountyChangeInitiated", "BountyChangeConfirmed"];
const EVENTS_IN_NOTES: Record<string, string[]> = {
  OSTComposer: ["StakeRequested", "StakeRevoked", "StakeRejected"],
  RedeemPool: ["RedeemRequested", "RedeemRevoked", "RedeemRejected"],
  EIP20Gateway: [
    "StakeIntentDeclared",
    "StakeProgressed",
    "RedeemIntentConfirmed",
    "UnstakeProgressed",
    "RevertStakeIntentDeclared",
    "StakeReverted",
    "RevertRedeemIntentConfirmed",
    "RevertRedeemComplete",
    "GatewayProven",
    ...BOUNTY_EVENTS,
  ],
  EIP20CoGateway: [
    "StakeIntentConfirmed",
    "MintProgressed",
    "RedeemIntentDeclared",
    "RedeemProgressed",
    "RevertStakeIntentConfirmed",
    "RevertStakeProgressed",
    "RevertRedeemDeclared",
    "RedeemReverted",
    "GatewayProven",
    ...BOUNTY_EVENTS,
  ],
  Anchor: ["StateRootAvailable"],
  Organization: ["WorkerSet", "WorkerUnset"],
};

/** The host functions graph-node links, per import module (shared/notes/graph-node-runtime.md). */
const GRAPH_NODE_IMPORTS: Record<string, string[]> = {
  env: ["abort"],
  index: [
    "store.get",
    "store.get_in_block",
    "store.loadRelated",
    "store.set",
    "store.remove",
    "log.log",
    "crypto.keccak256",
    "ipfs.cat",
    "ipfs.map",
    "ens.nameByHash",
  ],
  conversion: [
    "typeConversion.bytesToString",
    "typeConversion.bytesToHex",
    "typeConversion.bigIntToString",
    "typeConversion.bigIntToHex",
    "typeConversion.stringToH160",
    "typeConversion.bytesToBase58",
  ],
  numbers: [
    ...["plus", "minus", "times", "dividedBy", "mod", "bitOr", "bitAnd", "pow", "leftShift", "rightShift"],
    ...["fromString", "dividedByDecimal"],
  ]
    .map((name) => `bigInt.${name}`)
    .concat(
      ["plus", "minus", "times", "dividedBy", "toString", "fromString", "equals"].map(
        (name) => `bigDecimal.${name}`,
      ),
    ),
  datasource: ["address", "network", "context", "create", "createWithContext"].map(
    (name) => `dataSource.${name}`,
  ),
  ethereum: ["call", "getBalance", "hasCode", "encode", "decode"].map((name) => `ethereum.${name}`),
};
/** Listed by graph-node but not for these mappings: no IPFS, ENS or templates. */
const NOT_USED = [
  "ipfs.cat",
  "ipfs.map",
  "ens.nameByHash",
  "dataSource.create",
  "dataSource.createWithContext",
];

function readManifest(file: string): { specVersion: string; dataSources: BuiltDataSource[] } {
  return parse(readFileSync(file, "utf8")) as { specVersion: string; dataSources: BuiltDataSource[] };
}

function wasmOf(manifestFile: string, source: BuiltDataSource): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(path.join(path.dirname(manifestFile), source.mapping.file)));
}

describe("subgraph build for a development network", { timeout: 300_000 }, () => {
  let net: DevNetwork;
  let built: BuiltManifests;
  const buildDir = mkdtempSync(path.join(tmpdir(), "subgraph-build-"));

  before(async () => {
    net = await startDevNetwork();
    built = await buildSubgraphs({ deployment: net.deployment, buildDir });
  });
  after(async () => {
    await net?.stop();
    rmSync(buildDir, { recursive: true, force: true });
  });

  test("each built manifest names the deployment's addresses and start blocks", () => {
    for (const chain of CHAINS) {
      assert.equal(built[chain], path.join(buildDir, chain, "subgraph.yaml"));
      const manifest = readManifest(built[chain]);
      const startBlock = net.deployment[chain].deploymentBlock;
      assert.ok(startBlock > 0, "the development network deploys after its genesis block");
      const found = Object.fromEntries(
        manifest.dataSources.map((source) => [
          source.name,
          { address: source.source.address.toLowerCase(), startBlock: source.source.startBlock },
        ]),
      );
      const expected = Object.fromEntries(
        Object.entries(DATA_SOURCES[chain]).map(([name, { address }]) => [
          name,
          { address: address(net.deployment).toLowerCase(), startBlock },
        ]),
      );
      assert.deepEqual(found, expected, `${chain} data sources`);
      for (const source of manifest.dataSources) {
        assert.equal(source.network, `mosaic-${chain}`);
        assert.equal(source.mapping.apiVersion, "0.0.9");
        assert.equal(source.source.abi, DATA_SOURCES[chain][source.name]?.contract);
      }
    }
  });

  test("every event handler in the manifests is exported by its WASM", () => {
    for (const chain of CHAINS) {
      for (const source of readManifest(built[chain]).dataSources) {
        const exported = new Set(WebAssembly.Module.exports(wasmOf(built[chain], source)).map((e) => e.name));
        for (const { handler } of source.mapping.eventHandlers) {
          assert.ok(exported.has(handler), `${chain} ${source.name}: ${handler} is exported`);
        }
        for (const name of ["memory", "_start", "id_of_type", "__new"]) {
          assert.ok(exported.has(name), `${chain} ${source.name}: the runtime export ${name}`);
        }
      }
    }
  });

  test("the WASM imports only host functions graph-node provides, and no IPFS, ENS or templates", () => {
    for (const chain of CHAINS) {
      for (const source of readManifest(built[chain]).dataSources) {
        for (const { module, name } of WebAssembly.Module.imports(wasmOf(built[chain], source))) {
          const where = `${chain} ${source.name} imports ${module}.${name}`;
          assert.ok(
            GRAPH_NODE_IMPORTS[module]?.includes(name),
            `${where}, which graph-node does not provide`,
          );
          assert.ok(!NOT_USED.includes(name), `${where}, which these mappings must not use`);
        }
      }
    }
  });

  test("every event the notes list, and every event in each ABI, has a handler with its ABI signature", () => {
    for (const chain of CHAINS) {
      for (const source of readManifest(built[chain]).dataSources) {
        const contract = DATA_SOURCES[chain][source.name]?.contract;
        assert.ok(contract, `${source.name} is one of the fixed data source names`);
        const abi = new Interface(mosaicAbi(contract) as InterfaceAbi);
        const handled = new Map(
          source.mapping.eventHandlers.map(({ event, handler }) => [
            event.slice(0, event.indexOf("(")),
            { event, handler },
          ]),
        );
        const inAbi: string[] = [];
        abi.forEachEvent((event) => inAbi.push(event.name));
        for (const name of new Set([...(EVENTS_IN_NOTES[contract] ?? []), ...inAbi])) {
          const entry = handled.get(name);
          assert.ok(entry, `${chain} ${source.name} handles ${name}`);
          assert.equal(entry.handler, `handle${name}`);
          // graph-node matches topic0 against the signature with "indexed " and spaces removed.
          const topic0 = id(entry.event.replace(/indexed /g, "").replace(/ /g, ""));
          assert.equal(topic0, abi.getEvent(name)?.topicHash, `${chain} ${source.name}: ${entry.event}`);
        }
        const abiFile = source.mapping.abis.find((item) => item.name === contract)?.file;
        assert.ok(abiFile, `${source.name} ships the ${contract} ABI`);
        const shipped = JSON.parse(
          readFileSync(path.join(path.dirname(built[chain]), abiFile), "utf8"),
        ) as unknown;
        assert.deepEqual(shipped, mosaicAbi(contract));
      }
    }
  });

  test("a deployment file that does not exist is refused by name before anything is built", async () => {
    await assert.rejects(
      buildSubgraphs({ deploymentFile: "/nonexistent/deployment.json", buildDir }),
      /\/nonexistent\/deployment\.json: cannot read the deployment file/,
    );
  });
});
