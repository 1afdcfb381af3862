// The deployment file is validated when read, and each error names the field and what is expected.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  DeploymentFileError,
  parseDeployment,
  readDeploymentFile,
  writeDeploymentFile,
  type Deployment,
} from "../chain/deployment-file.ts";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

function sample(): Deployment {
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
      rpcUrl: "https://rpc.example.org/aux",
      deploymentBlock: 0,
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

interface RawChain {
  [field: string]: unknown;
  contracts: Record<string, unknown>;
}
interface Raw {
  [field: string]: unknown;
  origin: RawChain;
  auxiliary: RawChain;
}

function withChange(change: (raw: Raw) => void): unknown {
  const raw = JSON.parse(JSON.stringify(sample())) as Raw;
  change(raw);
  return raw;
}

test("a written deployment file reads back the same", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "deployment-")), "nested", "mosaic.json");
  writeDeploymentFile(file, sample());
  assert.deepEqual(readDeploymentFile(file), parseDeployment(sample()));
  assert.equal(readDeploymentFile(file).auxiliary.rpcUrl, "https://rpc.example.org/aux");
});

test("addresses are read in any case and returned checksummed", () => {
  const lower = "0xa513e6e4b8f2a923d98304ec87f64353c4d5c853";
  const parsed = parseDeployment(withChange((raw) => (raw.origin.contracts.gateway = lower)));
  assert.equal(parsed.origin.contracts.gateway, "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853");
});

const invalid: [string, (raw: Raw) => void, RegExp][] = [
  ["wrong version", (raw) => (raw.version = 2), /: version: expected 1, got 2/],
  [
    "missing chain",
    (raw) => Reflect.deleteProperty(raw, "auxiliary"),
    /: auxiliary: expected an object with chainId/,
  ],
  ["chain id zero", (raw) => (raw.origin.chainId = 0), /origin\.chainId: expected a positive whole number/],
  ["chain id as text", (raw) => (raw.origin.chainId = "1515"), /origin\.chainId: .* got "1515"/],
  [
    "rpc url",
    (raw) => (raw.auxiliary.rpcUrl = "localhost:8545"),
    /auxiliary\.rpcUrl: expected an http\(s\) URL of the chain's JSON-RPC endpoint, got "localhost:8545"/,
  ],
  [
    // JSON-RPC is spoken over HTTP only; a WebSocket URL would fail at the first request.
    "websocket rpc url",
    (raw) => (raw.origin.rpcUrl = "ws://127.0.0.1:8545"),
    /origin\.rpcUrl: expected an http\(s\) URL .*got "ws:\/\/127\.0\.0\.1:8545"/,
  ],
  [
    "negative block",
    (raw) => (raw.origin.deploymentBlock = -1),
    /origin\.deploymentBlock: expected the block number/,
  ],
  [
    "missing contracts",
    (raw) => Reflect.deleteProperty(raw.origin, "contracts"),
    /origin\.contracts: expected an object with valueToken/,
  ],
  [
    "short address",
    (raw) => (raw.auxiliary.contracts.coGateway = "0x1234"),
    /auxiliary\.contracts\.coGateway: expected the contract's 0x-prefixed 20-byte address, got "0x1234"/,
  ],
  [
    "missing address",
    (raw) => Reflect.deleteProperty(raw.origin.contracts, "ostComposer"),
    /origin\.contracts\.ostComposer: .* got nothing/,
  ],
  [
    "same chain ids",
    (raw) => (raw.auxiliary.chainId = 1515),
    /auxiliary\.chainId: must differ from origin\.chainId/,
  ],
];

for (const [name, change, message] of invalid) {
  test(`refuses a deployment with ${name}, naming the field`, () => {
    assert.throws(
      () => parseDeployment(withChange(change), "mosaic.json"),
      (error: Error) => {
        assert.ok(error instanceof DeploymentFileError);
        assert.match(error.message, /^mosaic\.json: /);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}

test("a missing or malformed file says which file and what to do", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "deployment-"));
  assert.throws(
    () => readDeploymentFile(path.join(dir, "absent.json")),
    /absent\.json: cannot read the deployment file \(ENOENT.*run `npm start`/,
  );
  const broken = path.join(dir, "broken.json");
  writeFileSync(broken, "{ not json");
  assert.throws(() => readDeploymentFile(broken), /broken\.json: not valid JSON/);
});
