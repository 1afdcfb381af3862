// The subgraph build lock: builds in several processes (test files run concurrently) take turns,
// a lock left by a dead process is taken over, and a lock held too long fails with the fix.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { cachedBuild, takeOverStale, withBuildLock } from "../subgraph/build-lock.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "build-lock-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    assert.ok(waited < 5_000, "not reached in 5 s");
    await sleep(20);
  }
}

test("builds started together run one after the other, and each releases the lock", async () => {
  const lockDir = path.join(dir, "together");
  const spans: { name: string; start: number; end: number }[] = [];
  const build = (name: string) => async () => {
    const start = performance.now();
    await sleep(150);
    spans.push({ name, start, end: performance.now() });
    return name;
  };
  const names = await Promise.all(["a", "b", "c"].map((name) => withBuildLock(build(name), { lockDir })));
  assert.deepEqual(names, ["a", "b", "c"]);
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++)
    assert.ok(spans[i]!.start >= spans[i - 1]!.end, `${spans[i]!.name} started inside ${spans[i - 1]!.name}`);
  assert.equal(existsSync(lockDir), false);
});

test("a build that fails releases the lock", async () => {
  const lockDir = path.join(dir, "failing");
  await assert.rejects(
    withBuildLock(async () => Promise.reject(new Error("graph build failed")), { lockDir }),
    /graph build failed/,
  );
  assert.equal(existsSync(lockDir), false);
  assert.equal(await withBuildLock(async () => "next", { lockDir }), "next");
});

test("a lock held by another process is waited for", async () => {
  const lockDir = path.join(dir, "other-process");
  const finished = path.join(dir, "other-process-finished");
  const holder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { writeFileSync } from "node:fs";
       import { withBuildLock } from ${JSON.stringify(path.resolve("subgraph/build-lock.ts"))};
       await withBuildLock(async () => {
         console.log("held");
         await new Promise((resolve) => setTimeout(resolve, 1500));
         writeFileSync(${JSON.stringify(finished)}, "");
       }, { lockDir: ${JSON.stringify(lockDir)} });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => holder.once("exit", resolve));
  await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
  let waitedFor: number | null | undefined;
  const sawTheirs = await withBuildLock(async () => existsSync(finished), {
    lockDir,
    onWait: (pid) => (waitedFor = pid),
  });
  await exited;
  assert.equal(waitedFor, holder.pid);
  assert.equal(sawTheirs, true, "ours ran only after the other process's build had finished");
  assert.equal(holder.exitCode, 0);
});

test("a lock left by a process that died is taken over", async () => {
  const lockDir = path.join(dir, "stale");
  const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(path.join(lockDir, "pid"), String(dead));
  let waited = false;
  const result = await withBuildLock(async () => "built", { lockDir, onWait: () => (waited = true) });
  assert.equal(result, "built");
  assert.equal(waited, false);
});

test("a takeover decided on a lock that another process has since taken over leaves the new lock alone", async () => {
  const lockDir = path.join(dir, "stale-raced");
  const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(path.join(lockDir, "pid"), String(dead));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstRunning = false;
  const first = withBuildLock(
    async () => {
      firstRunning = true;
      await released;
      firstRunning = false;
    },
    { lockDir },
  );
  await until(() => firstRunning);
  // A second process found the dead holder's lock a moment before the first took it over, and
  // acts on that judgement now.
  assert.equal(takeOverStale(lockDir, dead), false, "the live lock is not taken over");
  assert.equal(readFileSync(path.join(lockDir, "pid"), "utf8"), String(process.pid));
  let overlapped = false;
  const second = withBuildLock(async () => (overlapped = firstRunning), { lockDir });
  await sleep(300);
  release();
  await Promise.all([first, second]);
  assert.equal(overlapped, false, "the second build ran beside the first");
  assert.equal(existsSync(lockDir), false);
});

test("a lock held longer than the wait limit fails, naming the folder to remove", async () => {
  const lockDir = path.join(dir, "held");
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(path.join(lockDir, "pid"), String(process.pid));
  let ran = false;
  await assert.rejects(
    withBuildLock(async () => (ran = true), { lockDir, waitLimitMs: 300 }),
    (error: Error) =>
      error.message.includes(lockDir) &&
      error.message.includes(`process ${process.pid}`) &&
      error.message.includes("remove that folder"),
  );
  assert.equal(ran, false);
  assert.equal(existsSync(lockDir), true, "another's lock is left alone");
});

test("a cached build is made once when two ask for it together, and again when its stamp or output is gone", async () => {
  const stamp = path.join(dir, "cached.stamp");
  const output = path.join(dir, "cached.out");
  let builds = 0;
  const ask = () =>
    cachedBuild({
      stamp,
      inputs: "inputs v1",
      outputs: [output],
      build: async () => {
        builds++;
        await sleep(100);
        writeFileSync(output, "built");
      },
    });
  await Promise.all([ask(), ask()]);
  assert.equal(builds, 1, "the second found it built under the lock");
  await ask();
  assert.equal(builds, 1);
  rmSync(output);
  await ask();
  assert.equal(builds, 2, "built again without its output");
  writeFileSync(stamp, "inputs v0");
  await ask();
  assert.equal(builds, 3, "built again for other inputs");
});
