// A deployment file may name several gateway pairs (`pairs`); one without the list is one pair, as
// before. Each pair is validated field by field, and an error names the entry and the fix.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { getAddress } from "ethers";
import {
  DeploymentFileError,
  gatewayPairs,
  parseDeployment,
  readDeploymentFile,
  writeDeploymentFile,
} from "../chain/deployment-file.ts";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const checksummed = (n: number) => getAddress(address(n));

function single(): Record<string, unknown> {
  return {
    version: 1,
    origin: {
      chainId: 1515,
      rpcUrl: "http://127.0.0.1:8545",
      deploymentBlock: 1,
      contracts: {
        valueToken: address(1),
        baseToken: address(2),
        organization: address(3),
        anchor: address(4),
        gateway: address(5),
        ostComposer: address(6),
      },
    },
    auxiliary: {
      chainId: 1516,
      rpcUrl: "http://127.0.0.1:9545",
      deploymentBlock: 1,
      contracts: {
        organization: address(7),
        anchor: address(8),
        utilityToken: address(9),
        coGateway: address(10),
        redeemPool: address(11),
      },
    },
  };
}

const firstPair = {
  gateway: address(5),
  coGateway: address(10),
  valueToken: address(1),
  baseToken: address(2),
  utilityToken: address(9),
};
const secondPair = {
  gateway: address(0x15),
  coGateway: address(0x20),
  valueToken: address(0x21),
  baseToken: address(2),
  utilityToken: address(0x22),
};

function withPairs(pairs: unknown): Record<string, unknown> {
  return { ...single(), pairs };
}

test("a deployment without pairs is one pair: the gateway and cogateway of its contracts", () => {
  const pairs = gatewayPairs(parseDeployment(single()));
  assert.equal(pairs.length, 1);
  assert.deepEqual(pairs[0], {
    gateway: checksummed(5),
    coGateway: checksummed(10),
    valueToken: checksummed(1),
    baseToken: checksummed(2),
    utilityToken: checksummed(9),
  });
});

test("a deployment with two pairs reads back both, checksummed, in order", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "pairs-")), "deployment.json");
  writeDeploymentFile(
    file,
    parseDeployment(
      withPairs([firstPair, { ...secondPair, gateway: `0x${address(0x15).slice(2).toUpperCase()}` }]),
    ),
  );
  const pairs = gatewayPairs(readDeploymentFile(file));
  assert.equal(pairs.length, 2);
  assert.equal(pairs[0]?.gateway, checksummed(5));
  assert.equal(pairs[1]?.gateway, checksummed(0x15));
  assert.equal(pairs[1]?.utilityToken, checksummed(0x22));
});

const invalid: [string, unknown, RegExp][] = [
  ["pairs that are not a list", { gateway: address(5) }, /: pairs: expected a list of gateway pairs/],
  ["an empty list", [], /: pairs: expected a list of gateway pairs .* got \[\]/],
  [
    "an entry that is not an object",
    [firstPair, "0x15"],
    /: pairs\[1\]: expected an object with gateway, coGateway/,
  ],
  [
    "a bad address",
    [firstPair, { ...secondPair, coGateway: "0x1234" }],
    /: pairs\[1\]\.coGateway: expected the contract's 0x-prefixed 20-byte address, got "0x1234"/,
  ],
  [
    "a missing field",
    [firstPair, { ...secondPair, utilityToken: undefined }],
    /: pairs\[1\]\.utilityToken: .* got nothing/,
  ],
  [
    "a first pair other than the contracts'",
    [secondPair, firstPair],
    /: pairs\[0\]\.gateway: must be origin\.contracts\.gateway/,
  ],
  [
    "a first pair with other tokens than the contracts'",
    [{ ...firstPair, valueToken: address(0x30) }],
    /: pairs\[0\]\.valueToken: must be origin\.contracts\.valueToken/,
  ],
  [
    "a gateway in two pairs",
    [firstPair, { ...secondPair, gateway: address(5) }],
    /: pairs\[1\]\.gateway: .* is already in pairs\[0\]/,
  ],
  [
    "a cogateway in two pairs",
    [firstPair, { ...secondPair, coGateway: address(10) }],
    /: pairs\[1\]\.coGateway: .* is already in pairs\[0\]/,
  ],
];

for (const [name, pairs, message] of invalid) {
  test(`refuses pairs with ${name}, naming the entry`, () => {
    assert.throws(
      () => parseDeployment(withPairs(pairs), "mosaic.json"),
      (error: Error) => {
        assert.ok(error instanceof DeploymentFileError);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}
