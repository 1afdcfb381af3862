// One subgraph build at a time across processes: builds write subgraph/generated/ (the mappings
// import their types from there) and cached build folders in place, so two processes building at
// once (test files run concurrently, `npm start` beside the tests) would compile each other's half
// written files, or rewrite a build another process is reading. The lock is a directory, created
// atomically, naming its holder's pid; a holder that died leaves it behind, and it is taken over.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = path.resolve(import.meta.dirname, "..");
export const BUILD_LOCK_DIR = path.join(ROOT, "subgraph", "build", ".lock");

const POLL_MS = 200;
/** A build takes tens of seconds here; waiting longer than this means the holder is stuck. */
const WAIT_LIMIT_MS = 10 * 60_000;

export interface BuildLockOptions {
  lockDir?: string;
  waitLimitMs?: number;
  /** Told once when the lock is held by another process and this one waits. */
  onWait?: (holder: number | null) => void;
}

function holderOf(lockDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(lockDir, "pid"), "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `build` holding the lock; the lock is released however `build` ends. */
export async function withBuildLock<T>(build: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const lockDir = options.lockDir ?? BUILD_LOCK_DIR;
  const limit = options.waitLimitMs ?? WAIT_LIMIT_MS;
  const started = Date.now();
  let told = false;
  let unnamedSince: number | null = null;
  for (;;) {
    try {
      mkdirSync(path.dirname(lockDir), { recursive: true });
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = holderOf(lockDir);
    // A holder writes its pid just after creating the lock: a lock without one for a few
    // seconds was left by a process that died in between.
    if (holder === null) unnamedSince ??= Date.now();
    else unnamedSince = null;
    const stale = holder !== null ? !alive(holder) : Date.now() - unnamedSince! > 5_000;
    if (stale) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - started > limit)
      throw new Error(
        `waited ${Math.round(limit / 1000)} s for the subgraph build lock ${lockDir} held by process ${holder ?? "?"}; if no build is running, remove that folder`,
      );
    if (!told) options.onWait?.(holder);
    told = true;
    await sleep(POLL_MS);
  }
  try {
    writeFileSync(path.join(lockDir, "pid"), String(process.pid));
    return await build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export interface CachedBuild {
  /** The file holding the inputs the outputs were built from. */
  stamp: string;
  inputs: string;
  /** Files the build makes: a build without them is made again. */
  outputs: string[];
  build: () => Promise<void>;
  onWait?: (holder: number | null) => void;
}

/**
 * Builds unless the stamp holds these inputs and the outputs exist. Under the lock, looked at
 * again: another process may have built meanwhile. The stamp goes before building, so that a
 * build stopped half way is not taken for a fresh one, and is written once it is done.
 */
export async function cachedBuild({ stamp, inputs, outputs, build, onWait }: CachedBuild): Promise<void> {
  const fresh = () =>
    existsSync(stamp) && readFileSync(stamp, "utf8") === inputs && outputs.every((file) => existsSync(file));
  if (fresh()) return;
  await withBuildLock(
    async () => {
      if (fresh()) return;
      rmSync(stamp, { force: true });
      await build();
      writeFileSync(stamp, inputs);
    },
    { onWait },
  );
}
