// The subgraphs index every gateway pair: the manifests of a deployment with two pairs hold the
// first pair's data sources under their old names and the second pair's as EIP20Gateway_2 and
// EIP20CoGateway_2 with the same mappings; the embedded host gets a copy of the built manifest with
// those data sources added.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { getAddress } from "ethers";
import { parse as parseYaml } from "yaml";
import type { Deployment } from "../chain/deployment-file.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { dataSourceLocations, subgraphManifest } from "../subgraph/manifest.ts";
import { manifestForPairs } from "../subgraph/pair-manifest.ts";
import { placeholderDeployment } from "../subgraph/build.ts";

const address = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

function twoPairs(): Deployment {
  const deployment = placeholderDeployment();
  const { origin, auxiliary } = deployment;
  origin.deploymentBlock = 7;
  auxiliary.deploymentBlock = 9;
  const first = {
    gateway: origin.contracts.gateway,
    coGateway: auxiliary.contracts.coGateway,
    valueToken: origin.contracts.valueToken,
    baseToken: origin.contracts.baseToken,
    utilityToken: auxiliary.contracts.utilityToken,
  };
  const second = { ...first, gateway: address(0x21), coGateway: address(0x22), valueToken: address(0x23) };
  return { ...deployment, pairs: [first, second] };
}

interface RawSource {
  name: string;
  source: { address: string; startBlock: number };
  mapping: { file: string };
}

test("the manifests of two pairs add EIP20Gateway_2 and EIP20CoGateway_2 with the same mappings", () => {
  const paths = { schema: "schema.graphql", mappingsDir: "src", abi: (name: string) => `abis/${name}.json` };
  const abiOf = (name: Parameters<typeof mosaicAbi>[0]) => mosaicAbi(name) as never;
  const sources = (chain: "origin" | "auxiliary") =>
    (subgraphManifest(chain, twoPairs(), abiOf, paths) as { dataSources: RawSource[] }).dataSources;
  const origin = sources("origin");
  const auxiliary = sources("auxiliary");
  const second = origin.find((source) => source.name === "EIP20Gateway_2");
  assert.deepEqual(second?.source, { address: address(0x21), abi: "EIP20Gateway", startBlock: 7 });
  assert.equal(second?.mapping.file, origin.find((source) => source.name === "EIP20Gateway")?.mapping.file);
  const coGateway = auxiliary.find((source) => source.name === "EIP20CoGateway_2");
  assert.deepEqual(coGateway?.source, { address: address(0x22), abi: "EIP20CoGateway", startBlock: 9 });
  // The embedded host points the data sources by these names at their pairs.
  const locations = dataSourceLocations(twoPairs()).auxiliary as Record<string, unknown>;
  assert.deepEqual(locations.EIP20CoGateway_2, { address: address(0x22), startBlock: 9 });
  // One pair: the manifests are as they were.
  const single = subgraphManifest("origin", placeholderDeployment(), abiOf, paths) as {
    dataSources: RawSource[];
  };
  assert.deepEqual(
    single.dataSources.map((source) => source.name).filter((name) => name.startsWith("EIP20")),
    ["EIP20Gateway"],
  );
});

test("the hosted manifest copies the built gateway data source for each further pair", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pair-manifest-"));
  const built = path.join(dir, "subgraph.yaml");
  writeFileSync(
    built,
    [
      "specVersion: 1.3.0",
      "schema: { file: schema.graphql }",
      "dataSources:",
      "  - name: EIP20Gateway",
      "    source: { address: '0x0000000000000000000000000000000000000000', abi: EIP20Gateway, startBlock: 0 }",
      "    mapping: { file: EIP20Gateway/EIP20Gateway.wasm }",
      "  - name: OSTComposer",
      "    source: { address: '0x0000000000000000000000000000000000000000', abi: OSTComposer, startBlock: 0 }",
      "    mapping: { file: OSTComposer/OSTComposer.wasm }",
    ].join("\n"),
  );
  assert.equal(manifestForPairs(built, "origin", 1), built, "one pair: the built manifest itself");
  const hosted = manifestForPairs(built, "origin", 3);
  assert.equal(path.dirname(hosted), dir, "beside the build, so its relative paths hold");
  const names = (parseYaml(readFileSync(hosted, "utf8")) as { dataSources: RawSource[] }).dataSources.map(
    (source) => [source.name, source.mapping.file],
  );
  assert.deepEqual(names, [
    ["EIP20Gateway", "EIP20Gateway/EIP20Gateway.wasm"],
    ["OSTComposer", "OSTComposer/OSTComposer.wasm"],
    ["EIP20Gateway_2", "EIP20Gateway/EIP20Gateway.wasm"],
    ["EIP20Gateway_3", "EIP20Gateway/EIP20Gateway.wasm"],
  ]);
  assert.equal(manifestForPairs(built, "origin", 3), hosted, "made once per build");
});
