// The contract artifacts: the checked-in token matches its source, and Mosaic's gateways link.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { linkBytecode, mosaicArtifact, tokenArtifact, unlinkedLibraries } from "../chain/mosaic-artifacts.ts";
import { compileMintableToken, TOKEN_ARTIFACT_PATH } from "../chain/token-compiler.ts";

test("npm run contracts:build writes exactly the checked-in MintableToken artifact", () => {
  const checkedIn = readFileSync(TOKEN_ARTIFACT_PATH, "utf8");
  const run = spawnSync("npm", ["run", "--silent", "contracts:build"], { encoding: "utf8" });
  const written = readFileSync(TOKEN_ARTIFACT_PATH, "utf8");
  // Leave the checked-in file as it was, whatever the outcome.
  writeFileSync(TOKEN_ARTIFACT_PATH, checkedIn);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote .*MintableToken\.json \(\d+ bytes of bytecode\)/);
  assert.equal(written, checkedIn, "the source compiles to something else: commit the rebuilt artifact");
  assert.equal(tokenArtifact().bytecode, compileMintableToken().bytecode);
});

test("the gateways need MessageBus and GatewayLib, which need MerklePatriciaProof", () => {
  assert.deepEqual(unlinkedLibraries(mosaicArtifact("EIP20Gateway").bytecode).sort(), [
    "GatewayLib",
    "MessageBus",
  ]);
  assert.deepEqual(unlinkedLibraries(mosaicArtifact("EIP20CoGateway").bytecode).sort(), [
    "GatewayLib",
    "MessageBus",
  ]);
  assert.deepEqual(unlinkedLibraries(mosaicArtifact("MessageBus").bytecode), ["MerklePatriciaProof"]);
  assert.deepEqual(unlinkedLibraries(mosaicArtifact("Anchor").bytecode), []);
});

test("linking replaces every placeholder and refuses to leave one behind", () => {
  const { bytecode } = mosaicArtifact("EIP20Gateway");
  const messageBus = "0x00000000000000000000000000000000000000aa";
  const gatewayLib = "0x00000000000000000000000000000000000000bb";
  const linked = linkBytecode(bytecode, { MessageBus: messageBus, GatewayLib: gatewayLib });
  assert.equal(linked.length, bytecode.length);
  assert.ok(!linked.includes("__"));
  assert.ok(linked.includes(messageBus.slice(2)) && linked.includes(gatewayLib.slice(2)));
  assert.throws(
    () => linkBytecode(bytecode, { MessageBus: messageBus }),
    /still needs the libraries: GatewayLib/,
  );
});
