// supportedGateways in the executor's configuration: a list of gateway pairs of the deployment,
// every pair by default; the older single object still names one pair; errors name the entry.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { getAddress } from "ethers";
import { writeDeploymentFile, type Deployment } from "../chain/deployment-file.ts";
import { ConfigError, parseConfig, servedGateways } from "../executor/config.ts";

const address = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const FIRST = { gateway: address(5), coGateway: address(10) };
const SECOND = { gateway: address(0x15), coGateway: address(0x20) };

function twoPairs(): Deployment {
  const chain = (chainId: number) => ({ chainId, rpcUrl: "http://127.0.0.1:8545", deploymentBlock: 0 });
  const first = { ...FIRST, valueToken: address(1), baseToken: address(2), utilityToken: address(9) };
  return {
    version: 1,
    origin: {
      ...chain(1),
      contracts: {
        valueToken: address(1),
        baseToken: address(2),
        organization: address(3),
        anchor: address(4),
        gateway: FIRST.gateway,
        ostComposer: address(6),
      },
    },
    auxiliary: {
      ...chain(2),
      contracts: {
        organization: address(7),
        anchor: address(8),
        utilityToken: address(9),
        coGateway: FIRST.coGateway,
        redeemPool: address(11),
      },
    },
    pairs: [
      first,
      { ...SECOND, valueToken: address(0x21), baseToken: address(2), utilityToken: address(0x22) },
    ],
  };
}

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
  dir = mkdtempSync(path.join(os.tmpdir(), "pairs-config-"));
  file = path.join(dir, "facilitator.json");
  writeDeploymentFile(path.join(dir, "deployment.json"), twoPairs());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("without supportedGateways the executor serves every pair of the deployment", () => {
  assert.deepEqual(servedGateways(parseConfig(base, file)), [FIRST, SECOND]);
});

test("a list names the pairs served, in any case", () => {
  const lower = { gateway: SECOND.gateway.toLowerCase(), coGateway: SECOND.coGateway.toLowerCase() };
  assert.deepEqual(servedGateways(parseConfig({ ...base, supportedGateways: [lower] }, file)), [SECOND]);
});

test("the older single object still reads as one pair", () => {
  assert.deepEqual(servedGateways(parseConfig({ ...base, supportedGateways: FIRST }, file)), [FIRST]);
  // Its fields default to the deployment's first pair, as they did.
  assert.deepEqual(servedGateways(parseConfig({ ...base, supportedGateways: {} }, file)), [FIRST]);
});

const invalid: [string, unknown, RegExp][] = [
  ["an empty list", [], /: supportedGateways: expected a list of one or more gateway pairs/],
  ["text", "all", /: supportedGateways: expected a list of one or more gateway pairs .* got "all"/],
  [
    "an entry that is not an object",
    [FIRST.gateway],
    /: supportedGateways\[0\]: expected an object \{gateway, coGateway\}/,
  ],
  [
    "a bad address",
    [FIRST, { ...SECOND, coGateway: "0x12" }],
    /: supportedGateways\[1\]\.coGateway: expected a 0x-prefixed 20-byte address, got "0x12"/,
  ],
  [
    "a pair the deployment does not name",
    [{ gateway: FIRST.gateway, coGateway: SECOND.coGateway }],
    /: supportedGateways\[0\]: .* is not a gateway pair of the deployment file \(its pairs: .*\)/,
  ],
  ["a pair listed twice", [SECOND, SECOND], /: supportedGateways\[1\]: the pair is listed twice/],
];

for (const [name, supportedGateways, message] of invalid) {
  test(`supportedGateways with ${name} is refused, naming the entry`, () => {
    assert.throws(
      () => parseConfig({ ...base, supportedGateways }, file),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}
