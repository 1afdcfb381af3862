// The sustained benchmark (bench/sustained.ts): proveGateway transactions counted per (chain,
// gateway, height) from mined calldata, each staker's plan of requests, and a tiny run end to end.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { Interface } from "ethers";
import { countProofsPerHeight, type MinedCall } from "../bench/prove-count.ts";
import { readResults } from "../bench/results.ts";
import { stakerPlan } from "../bench/sustained.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";

const gateway = new Interface(mosaicAbi("EIP20Gateway"));
const coGateway = new Interface(mosaicAbi("EIP20CoGateway"));
const GATEWAY = "0x00000000000000000000000000000000000000a1";
const OTHER_GATEWAY = "0x00000000000000000000000000000000000000a2";
const COGATEWAY = "0x00000000000000000000000000000000000000b1";

const prove = (chain: string, to: string, height: number): MinedCall => ({
  chain,
  to,
  data: (chain === "origin" ? gateway : coGateway).encodeFunctionData("proveGateway", [
    height,
    "0xc0",
    "0xc0",
  ]),
});

describe("proveGateway per anchored height, from mined transactions", () => {
  test("no proofs: zero of everything", () => {
    assert.deepEqual(countProofsPerHeight([]), { total: 0, heights: 0, max: 0, repeated: [] });
  });

  test("a height proven twice at one gateway counts 2; other heights, gateways and chains apart", () => {
    const count = countProofsPerHeight([
      prove("origin", GATEWAY, 10),
      prove("origin", GATEWAY.toUpperCase().replace("0X", "0x"), 10),
      prove("origin", GATEWAY, 11),
      prove("origin", OTHER_GATEWAY, 10),
      prove("auxiliary", COGATEWAY, 10),
    ]);
    assert.deepEqual(count, {
      total: 5,
      heights: 4,
      max: 2,
      repeated: [{ key: `origin ${GATEWAY} 10`, count: 2 }],
    });
  });

  test("other calls, plain transfers and contract creations are not proofs", () => {
    const confirm = coGateway.encodeFunctionData("progressMint", [
      `0x${"11".repeat(32)}`,
      `0x${"22".repeat(32)}`,
    ]);
    const count = countProofsPerHeight([
      { chain: "auxiliary", to: COGATEWAY, data: confirm },
      { chain: "origin", to: GATEWAY, data: "0x" },
      { chain: "origin", to: null, data: "0x6080" },
      prove("auxiliary", COGATEWAY, 7),
    ]);
    assert.deepEqual([count.total, count.max], [1, 1]);
  });
});

describe("each staker's requests", () => {
  test("shared out evenly, the first stakers taking the remainder, a stake first and then alternating", () => {
    const plans = [0, 1, 2].map((staker) => stakerPlan(7, 3, staker));
    assert.deepEqual(plans, [
      ["stake", "redeem", "stake"],
      ["stake", "redeem"],
      ["stake", "redeem"],
    ]);
    const full = Array.from({ length: 100 }, (_, staker) => stakerPlan(1000, 100, staker)).flat();
    assert.equal(full.length, 1000);
    assert.equal(full.filter((kind) => kind === "stake").length, 500);
  });
});

test(
  "npm run bench runs the sustained benchmark end to end and merges its figures",
  { timeout: 240_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-sustained-"));
    const resultsFile = path.join(dir, "results.json");
    try {
      const args = ["--only", "sustained", "--sustained-requests", "4", "--sustained-stakers", "2"];
      const run = spawnSync("npm", ["run", "--silent", "bench", "--", ...args, "--results", resultsFile], {
        encoding: "utf8",
        timeout: 230_000,
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const figures = readResults(resultsFile);
      const value = (name: string) => {
        const found = figures.find((item) => item.name === `executor.sustained.${name}`);
        assert.ok(found, `executor.sustained.${name} written`);
        assert.deepEqual([found.parameters.requests, found.parameters.stakers], [4, 2]);
        return found.value;
      };
      // Two stakers, each a stake and then a redeem of part of it.
      assert.deepEqual([value("stakes"), value("redeems")], [2, 2]);
      assert.ok(value("completion.seconds") > 0);
      assert.ok(value("completion.seconds") >= value("requests.seconds"));
      assert.ok(value("throughput") > 0);
      // Every flow is confirmed with a proof, so the chains hold one at least.
      assert.ok(value("prove.count") >= 1);
      assert.ok(value("prove-per-height.max") >= 1);
      assert.ok(value("prove.count") >= value("prove-per-height.max"));
      assert.match(run.stdout, /executor\.sustained\.completion\.seconds/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the sustained benchmark refuses fewer requests than stakers, naming both options", () => {
  const args = ["--only", "sustained", "--sustained-requests", "1", "--sustained-stakers", "2"];
  const run = spawnSync("npm", ["run", "--silent", "bench", "--", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /--sustained-requests \(1\) must be at least --sustained-stakers \(2\)/);
});
