// One build of the subgraphs shared by `npm start`, the tests and the benchmarks (and later runs,
// while the sources are unchanged): building takes seconds, and the WASM does not depend on
// addresses (the host points each data source at a deployment's contracts).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cachedBuild } from "./build-lock.ts";
import {
  buildSubgraphsHoldingLock,
  DEFAULT_BUILD_DIR,
  placeholderDeployment,
  type BuiltManifests,
} from "./build.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const BUILD_DIR = path.join(DEFAULT_BUILD_DIR, "any-deployment");
const STAMP = path.join(BUILD_DIR, "inputs.sha256");

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
}

function inputsHash(): string {
  const hash = createHash("sha256");
  const inputs = [
    "schema.graphql",
    "subgraph/manifest.ts",
    "subgraph/build.ts",
    "package-lock.json",
    ...files(path.join(ROOT, "subgraph/src")).map((file) => path.relative(ROOT, file)),
  ];
  for (const file of inputs) hash.update(file).update(readFileSync(path.join(ROOT, file)));
  return hash.digest("hex");
}

export async function builtSubgraphs(progress?: (message: string) => void): Promise<BuiltManifests> {
  const manifests = {
    origin: path.join(BUILD_DIR, "origin", "subgraph.yaml"),
    auxiliary: path.join(BUILD_DIR, "auxiliary", "subgraph.yaml"),
  };
  await cachedBuild({
    stamp: STAMP,
    inputs: inputsHash(),
    outputs: Object.values(manifests),
    build: async () => {
      await buildSubgraphsHoldingLock({ deployment: placeholderDeployment(), buildDir: BUILD_DIR, progress });
    },
    onWait: (holder) => progress?.(`waiting for another subgraph build (process ${holder ?? "?"})`),
  });
  return manifests;
}
