// Debian's headless Chromium driven by playwright-core, offline: every request to a host other than
// loopback is aborted and recorded, so a page that reaches for a CDN fails its test. Page errors and
// console errors (a Content-Security-Policy refusal among them) are recorded too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_BINARY ?? "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface OfflineBrowser {
  /** A new tab; its errors are recorded. */
  open(): Promise<Page>;
  /** Requests to a non-loopback host (aborted), page errors and console errors, in order. */
  problems: string[];
  /** A fresh directory removed at close, for screenshots and the like. */
  dir: string;
  close(): Promise<void>;
}

export async function launchOfflineChromium(
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<OfflineBrowser> {
  const dir = mkdtempSync(path.join(tmpdir(), "chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot start Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (Debian/Ubuntu) or set CHROMIUM_BINARY; ${(error as Error).message}`,
    );
  }
  const problems: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOOPBACK.has(url.hostname))
      return route.continue();
    problems.push(`request to a non-loopback host: ${url.href}`);
    return route.abort("blockedbyclient");
  });
  return {
    problems,
    dir,
    async open() {
      const page = await context.newPage();
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
      });
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (
    bytes.length < 24 ||
    !bytes.subarray(0, 8).equals(signature) ||
    bytes.toString("latin1", 12, 16) !== "IHDR"
  )
    throw new Error("not a PNG image");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
