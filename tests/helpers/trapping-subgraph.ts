// Builds tests/fixtures/trapping-subgraph with the real `graph build` (once; the WASM does not
// depend on the address, which the runtime overrides), for tests of a failing subgraph.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ZeroAddress } from "ethers";
import { stringify } from "yaml";
import { mosaicAbi } from "../../chain/mosaic-artifacts.ts";
import { DEFAULT_BUILD_DIR } from "../../subgraph/build.ts";
import { cachedBuild } from "../../subgraph/build-lock.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "tests/fixtures/trapping-subgraph");
const WORK = path.join(DEFAULT_BUILD_DIR, "trapping");

export const TRAPPING_DATA_SOURCE = "Anchor";

export async function builtTrappingSubgraph(): Promise<string> {
  const built = path.join(WORK, "build", "subgraph.yaml");
  const stamp = path.join(WORK, "inputs");
  const inputs = ["schema.graphql", "mapping.ts"]
    .map((file) => readFileSync(path.join(FIXTURE, file), "utf8"))
    .join("\n");
  await cachedBuild({ stamp, inputs, outputs: [built], build: buildTrapping });
  return built;
}

async function buildTrapping(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  writeFileSync(path.join(WORK, "Anchor.json"), JSON.stringify(mosaicAbi("Anchor")));
  const manifest = {
    specVersion: "1.3.0",
    schema: { file: path.relative(WORK, path.join(FIXTURE, "schema.graphql")) },
    dataSources: [
      {
        kind: "ethereum/contract",
        name: TRAPPING_DATA_SOURCE,
        network: "mosaic-origin",
        source: { address: ZeroAddress, abi: "Anchor", startBlock: 0 },
        mapping: {
          kind: "ethereum/events",
          apiVersion: "0.0.9",
          language: "wasm/assemblyscript",
          entities: ["Root"],
          abis: [{ name: "Anchor", file: "./Anchor.json" }],
          eventHandlers: [
            { event: "StateRootAvailable(uint256,bytes32)", handler: "handleStateRootAvailable" },
          ],
          file: path.relative(WORK, path.join(FIXTURE, "mapping.ts")),
        },
      },
    ],
  };
  writeFileSync(path.join(WORK, "subgraph.yaml"), stringify(manifest));
  await promisify(execFile)(
    path.join(ROOT, "node_modules/.bin/graph"),
    ["build", "subgraph.yaml", "--output-dir", "build"],
    { cwd: WORK },
  );
}
