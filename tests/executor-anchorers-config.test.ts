// `anchoring.anchorers` in the configuration file: absent means none (this facilitator anchors
// alone), addresses in any case are checksummed, and a bad entry is refused naming it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { getAddress } from "ethers";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { ConfigError, parseConfig } from "../executor/config.ts";
import { placeholderDeployment } from "../subgraph/build.ts";

const OTHER = `0x${"ab".repeat(20)}`;
let dir: string;
let file: string;
const base = {
  deploymentFile: "deployment.json",
  keystore: "keystore.json",
  chains: {
    origin: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-origin" } },
    auxiliary: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary" } },
  },
};

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "anchorers-config-"));
  file = path.join(dir, "facilitator.json");
  writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("anchorers: none when left out, checksummed when listed", () => {
  assert.deepEqual(parseConfig({ ...base, anchoring: { confirmations: 1 } }, file).anchoring?.anchorers, []);
  const listed = parseConfig(
    { ...base, anchoring: { anchorers: [OTHER.toUpperCase().replace("0X", "0x")] } },
    file,
  );
  assert.deepEqual(listed.anchoring?.anchorers, [getAddress(OTHER)]);
});

test("anchorers: a bad list or entry is refused, naming it", () => {
  const refused = (anchorers: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseConfig({ ...base, anchoring: { anchorers } }, file),
      (error: Error) => error instanceof ConfigError && pattern.test(error.message),
    );
  refused(OTHER, /anchoring\.anchorers: expected a list of addresses of the other anchoring facilitators/);
  refused(
    [OTHER, "0x1234"],
    /anchoring\.anchorers\[1\]: expected a 0x-prefixed 20-byte address, got "0x1234"/,
  );
});
