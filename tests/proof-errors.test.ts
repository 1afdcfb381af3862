// Proofs that the contracts would reject fail in the proof builder, with a message that says what
// is wrong, before any transaction is sent.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hexlify, parseEther, randomBytes } from "ethers";
import { ProofError, buildGatewayProof, buildMessageProof } from "../chain/proofs.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import {
  anchorOriginOnAuxiliary,
  originGatewaySource,
  requestAndAcceptStake,
} from "./helpers/manual-flows.ts";

describe("proof errors", () => {
  let net: DevNetwork;
  const facilitator = devWallet(ROLE_INDEX.facilitator).address;
  const sentByFacilitator = async () => net.auxiliary.provider.getTransactionCount(facilitator, "latest");

  before(async () => {
    net = await startDevNetwork();
  });
  after(async () => {
    await net?.stop();
  });

  test("a gateway proof at an un-anchored height names the height and the latest anchored one", async () => {
    const { stake } = await requestAndAcceptStake(net, devWallet(2), {
      amount: parseEther("10"),
      beneficiary: devWallet(3).address,
      gasPrice: 0n,
      gasLimit: 0n,
    });
    const { blockHeight: anchored } = await anchorOriginOnAuxiliary(net);
    await net.origin.provider.send("evm_mine", []);
    const unanchored = anchored + 1;
    const nonceBefore = await sentByFacilitator();

    await assert.rejects(buildGatewayProof(originGatewaySource(net), unanchored), (error: Error) => {
      assert.ok(error instanceof ProofError);
      assert.match(
        error.message,
        new RegExp(`block ${unanchored} is not anchored on the Anchor 0x[0-9a-fA-F]{40}`),
      );
      assert.match(error.message, new RegExp(`latest anchored height is ${anchored}`));
      return true;
    });
    await assert.rejects(
      buildMessageProof(originGatewaySource(net), "outbox", stake.messageHash, unanchored),
      /is not anchored/,
    );
    // The anchored height itself works, so the refusal above is about the height alone.
    const proof = await buildGatewayProof(originGatewaySource(net), anchored);
    assert.match(proof.rlpAccount, /^0x[0-9a-f]+$/);
    assert.equal(await sentByFacilitator(), nonceBefore, "no transaction was sent");
  });

  test("a confirm for a message that was never declared says so", async () => {
    const { blockHeight } = await anchorOriginOnAuxiliary(net);
    const neverDeclared = hexlify(randomBytes(32));
    const nonceBefore = await sentByFacilitator();
    await assert.rejects(
      buildMessageProof(originGatewaySource(net), "outbox", neverDeclared, blockHeight),
      (error: Error) => {
        assert.ok(error instanceof ProofError);
        assert.match(error.message, new RegExp(`message ${neverDeclared} is Undeclared in the outbox of 0x`));
        assert.match(error.message, /never declared there/);
        return true;
      },
    );
    assert.equal(await sentByFacilitator(), nonceBefore, "no transaction was sent");
  });

  test("a message declared after the proven height is not in that block's outbox", async () => {
    await net.origin.provider.send("evm_mine", []);
    const { blockHeight } = await anchorOriginOnAuxiliary(net);
    const { stake } = await requestAndAcceptStake(net, devWallet(4), {
      amount: parseEther("10"),
      beneficiary: devWallet(5).address,
      gasPrice: 0n,
      gasLimit: 0n,
    });
    assert.ok(stake.declarationBlock > blockHeight);
    await assert.rejects(
      buildMessageProof(originGatewaySource(net), "outbox", stake.messageHash, blockHeight),
      /is Undeclared in the outbox .* declared after that block/,
    );
    const later = await anchorOriginOnAuxiliary(net);
    const proof = await buildMessageProof(
      originGatewaySource(net),
      "outbox",
      stake.messageHash,
      later.blockHeight,
    );
    assert.equal(proof.status, "Declared");
  });
});
