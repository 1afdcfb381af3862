// One subgraph build at a time across processes: builds write subgraph/generated/ (the mappings
// import their types from there) and cached build folders in place, so two processes building at
// once (test files run concurrently, `npm start` beside the tests) would compile each other's half
// written files, or rewrite a build another process is reading. The lock is a directory naming its
// holder's pid, made beside it and renamed into place, so it never exists without its holder. A
// holder that died leaves it behind, and it is taken over (takeOverStale).
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = path.resolve(import.meta.dirname, "..");
export const BUILD_LOCK_DIR = path.join(ROOT, "subgraph", "build", ".lock");

const POLL_MS = 200;
/** A build takes tens of seconds here; waiting longer than this means the holder is stuck. */
const WAIT_LIMIT_MS = 10 * 60_000;
/** Made inside a lock by the one process taking it over. */
const TAKEOVER = "takeover";

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

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return code(error) === "EPERM";
  }
}

/** A name beside the lock that no other process or call uses. */
const besideLock = (lockDir: string, what: string) => `${lockDir}.${what}-${process.pid}-${randomUUID()}`;

/** Creates the lock naming this process; false when it exists. */
function createLock(lockDir: string): boolean {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const made = besideLock(lockDir, "new");
  mkdirSync(made);
  try {
    writeFileSync(path.join(made, "pid"), String(process.pid));
    renameSync(made, lockDir);
    return true;
  } catch (error) {
    if (code(error) === "EEXIST" || code(error) === "ENOTEMPTY") return false;
    throw error;
  } finally {
    rmSync(made, { recursive: true, force: true });
  }
}

/** Moves the lock out of the way in one step, then deletes it. */
function removeLock(lockDir: string): void {
  const gone = besideLock(lockDir, "gone");
  try {
    renameSync(lockDir, gone);
  } catch (error) {
    if (code(error) === "ENOENT") return;
    throw error;
  }
  rmSync(gone, { recursive: true, force: true });
}

/**
 * Removes a lock judged left behind by `holder` (null: one naming no holder), so that the next
 * attempt can create it; returns whether it did. Another process may have taken the same lock over
 * since it was judged, and made its own: only one process at a time may take a lock over, and it
 * looks again, under that claim, at whom the lock names.
 */
export function takeOverStale(lockDir: string, holder: number | null): boolean {
  const claim = path.join(lockDir, TAKEOVER);
  try {
    mkdirSync(claim);
  } catch (error) {
    // Another process is taking it over, or it is gone.
    if (code(error) === "EEXIST" || code(error) === "ENOENT") return false;
    throw error;
  }
  if (holderOf(lockDir) !== holder) {
    try {
      rmdirSync(claim);
    } catch (error) {
      // Released meanwhile, the claim with it.
      if (code(error) !== "ENOENT") throw error;
    }
    return false;
  }
  removeLock(lockDir);
  return true;
}

/** Runs `build` holding the lock; the lock is released however `build` ends. */
export async function withBuildLock<T>(build: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const lockDir = options.lockDir ?? BUILD_LOCK_DIR;
  const limit = options.waitLimitMs ?? WAIT_LIMIT_MS;
  const started = Date.now();
  let told = false;
  while (!createLock(lockDir)) {
    const holder = holderOf(lockDir);
    // A lock is never made without its holder's pid: one without it is not held. One another
    // process is taking over is waited for like a held one.
    if ((holder === null || !alive(holder)) && takeOverStale(lockDir, holder)) continue;
    if (Date.now() - started > limit)
      throw new Error(
        `waited ${Math.round(limit / 1000)} s for the subgraph build lock ${lockDir} held by process ${holder ?? "?"}; if no build is running, remove that folder`,
      );
    if (!told) options.onWait?.(holder);
    told = true;
    await sleep(POLL_MS);
  }
  try {
    return await build();
  } finally {
    removeLock(lockDir);
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
