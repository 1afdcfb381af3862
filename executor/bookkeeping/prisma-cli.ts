// Runs the Prisma CLI of node_modules offline: on its WASM schema engine (engine "js" in
// prisma.config.ts), with the engine variables pointing at a file that exists, so it neither
// downloads the Rust engines it will not use nor phones home.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BooksError } from "./errors.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PRISMA_PACKAGE_JSON = createRequire(import.meta.url).resolve("prisma/package.json");
const PRISMA_CLI = path.join(path.dirname(PRISMA_PACKAGE_JSON), "build", "index.js");

/** The environment under which the Prisma CLI works offline. */
export const PRISMA_OFFLINE_ENV = {
  PRISMA_SCHEMA_ENGINE_BINARY: PRISMA_PACKAGE_JSON,
  PRISMA_QUERY_ENGINE_LIBRARY: PRISMA_PACKAGE_JSON,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};

export function runPrismaCli(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PRISMA_CLI, ...args, "--config", path.join(PROJECT_ROOT, "prisma.config.ts")],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...PRISMA_OFFLINE_ENV, ...extraEnv }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (error) reject(new BooksError(`prisma ${args.join(" ")} failed:\n${output}`));
        else resolve(output);
      },
    );
  });
}
