// `npm start -- --gateways N`: the help tells the option, and a count out of range is refused
// naming the option, before anything starts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

test("npm start --help tells --gateways, and a bad count is refused naming it", () => {
  const help = spawnSync("npm", ["start", "--silent", "--", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--gateways <N> +deploy N gateway pairs \(1 to 5, default 1\)/);
  for (const bad of ["0", "6", "two"]) {
    const run = spawnSync("npm", ["start", "--silent", "--", "--gateways", bad], { encoding: "utf8" });
    assert.equal(run.status, 2, `--gateways ${bad}`);
    assert.match(run.stderr, new RegExp(`--gateways must be a whole number from 1 to 5, got "${bad}"`));
  }
});
