// The contract artifacts: the checked-in token matches its source, and Mosaic's gateways link.
import assert from "node:assert/strict";
import { test } from "node:test";
import { linkBytecode, mosaicArtifact, tokenArtifact, unlinkedLibraries } from "../chain/mosaic-artifacts.ts";
import { compileMintableToken } from "../chain/token-compiler.ts";

test("the checked-in MintableToken artifact is what its source compiles to (npm run contracts:build)", () => {
  const compiled = compileMintableToken();
  const checkedIn = tokenArtifact();
  assert.equal(checkedIn.compiler, compiled.compiler);
  assert.deepEqual(checkedIn.abi, compiled.abi);
  assert.equal(checkedIn.bytecode, compiled.bytecode);
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
