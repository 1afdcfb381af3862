// The built manifest with the gateway data sources of further pairs, for the embedded host. The
// cached build is made for one pair (its WASM does not depend on addresses); a deployment with more
// pairs gets a copy of the manifest beside it in which the gateway's data source is repeated under
// the names of pairDataSourceName, with the same mapping. The host then points each at its pair.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { pairDataSourceName, type ChainName } from "./manifest.ts";

interface RawManifest {
  dataSources: { name: string }[];
}

/** The manifest to host for `pairs` gateway pairs: the built one itself for one pair. */
export function manifestForPairs(builtManifest: string, chain: ChainName, pairs: number): string {
  if (pairs <= 1) return builtManifest;
  const built = readFileSync(builtManifest, "utf8");
  // Named by the built manifest's content: a rebuild makes a new one rather than using a stale copy.
  const digest = createHash("sha256").update(built).digest("hex").slice(0, 12);
  const file = path.join(path.dirname(builtManifest), `subgraph.${digest}.${pairs}-pairs.yaml`);
  if (existsSync(file)) return file;
  const manifest = parseYaml(built) as RawManifest;
  const first = manifest.dataSources.find((source) => source.name === pairDataSourceName(chain, 0));
  if (!first) throw new Error(`${builtManifest}: no data source ${pairDataSourceName(chain, 0)} to copy`);
  for (let index = 1; index < pairs; index++) {
    manifest.dataSources.push({ ...structuredClone(first), name: pairDataSourceName(chain, index) });
  }
  // Written whole, then renamed: stacks starting at once may write it together.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, stringifyYaml(manifest));
  renameSync(temporary, file);
  return file;
}
