// The terminal view of `npm start`: each request's step on each chain, the blocks, the anchored
// heights. On a terminal it redraws one screen each refresh; piped into a file or another program it
// writes a line whenever a request moves to another step, so logs stay readable.
import { readFacilitations, type Facilitation, type FacilitationSnapshot } from "./facilitations.ts";

export interface LiveViewOptions {
  urls: { origin: string; auxiliary: string };
  /** Lines above the table on a terminal (URLs, files, how to stop). */
  header: string[];
  /** A line under the table, e.g. the demo's progress; called on every refresh. */
  footer?: (snapshot: FacilitationSnapshot) => string | undefined;
  tty: boolean;
  /** Rows the terminal has room for. */
  rows?: () => number;
  write: (text: string) => void;
  intervalMs?: number;
}

export interface LiveView {
  /** The latest snapshot read. */
  latest(): FacilitationSnapshot | undefined;
  stop(): Promise<void>;
}

/** Wide enough for the longest message status, RevocationDeclared. */
const STATUS_WIDTH = 18;
const short = (hash: string | null) => (hash ? `${hash.slice(0, 10)}…${hash.slice(-4)}` : "-");

function row(facilitation: Facilitation): string {
  return [
    facilitation.kind.padEnd(7),
    short(facilitation.requestHash).padEnd(17),
    facilitation.origin.padEnd(STATUS_WIDTH),
    facilitation.auxiliary.padEnd(STATUS_WIDTH),
    facilitation.step === "complete" ? "complete ✓" : facilitation.step,
  ].join("  ");
}

const TABLE_HEAD = `${"kind".padEnd(7)}  ${"request".padEnd(17)}  ${"origin".padEnd(STATUS_WIDTH)}  ${"auxiliary".padEnd(STATUS_WIDTH)}  step`;

function blocksLine(snapshot: FacilitationSnapshot): string {
  const value = (number: number | null) => (number === null ? "indexing…" : `#${number}`);
  return (
    `blocks indexed: origin ${value(snapshot.heads.origin)}, auxiliary ${value(snapshot.heads.auxiliary)}` +
    `   anchored: origin's state on auxiliary up to ${value(snapshot.anchored.auxiliary)},` +
    ` auxiliary's on origin up to ${value(snapshot.anchored.origin)}`
  );
}

export function renderScreen(
  snapshot: FacilitationSnapshot,
  header: string[],
  footer: string | undefined,
  rows: number,
): string {
  const counts = (kind: "stake" | "redeem") => {
    const of = snapshot.facilitations.filter((item) => item.kind === kind);
    return `${of.filter((item) => item.step === "complete").length}/${of.length} ${kind}s complete`;
  };
  const lines = [
    ...header,
    "",
    blocksLine(snapshot),
    `${counts("stake")}, ${counts("redeem")}`,
    "",
    TABLE_HEAD,
  ];
  const tail = footer === undefined ? [] : ["", footer];
  // The newest requests when they do not all fit.
  const room = Math.max(1, rows - lines.length - tail.length - 1);
  const shown = snapshot.facilitations.slice(-room);
  if (snapshot.facilitations.length === 0) lines.push("(no requests yet)");
  lines.push(...shown.map(row), ...tail);
  return lines.join("\n");
}

export function startLiveView(options: LiveViewOptions): LiveView {
  let latest: FacilitationSnapshot | undefined;
  const lastStep = new Map<string, string>();
  let lastFooter: string | undefined;
  let stopped = false;

  const refresh = async () => {
    const snapshot = await readFacilitations(options.urls);
    latest = snapshot;
    const footer = options.footer?.(snapshot);
    if (options.tty) {
      // Home, draw, clear what is left of the previous screen.
      const screen = renderScreen(snapshot, options.header, footer, options.rows?.() ?? 40);
      options.write(`\x1b[H${screen.replaceAll("\n", "\x1b[K\n")}\x1b[K\x1b[J`);
      return;
    }
    const time = new Date().toISOString().slice(11, 19);
    for (const facilitation of snapshot.facilitations) {
      const line = row(facilitation);
      if (lastStep.get(facilitation.requestHash) === line) continue;
      lastStep.set(facilitation.requestHash, line);
      options.write(`${time}  ${line}\n`);
    }
    if (footer !== undefined && footer !== lastFooter) options.write(`${time}  ${footer}\n`);
    lastFooter = footer;
  };

  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    pass = pass.then(refresh).catch((error: Error) => options.write(`live view: ${error.message}\n`));
  };
  if (options.tty) options.write("\x1b[2J");
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, options.intervalMs ?? 1000);
  return {
    latest: () => latest,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
