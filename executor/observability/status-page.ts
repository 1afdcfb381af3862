// The facilitation status page at / of the executor's loopback HTTP server: plain HTML rendered on
// the server, no script. It shows what `facilitator status` and `list` compute (status.ts): the
// requests and messages the books have touched lately, each with its stage, its step on each chain
// and what it waits for; the transactions in flight and recently finished; the worker's balances
// (balances.ts); and links that open GraphiQL on the configured subgraphs with a query of that
// request or message. Every value is escaped; nothing secret is read (see status.ts), error texts
// are scrubbed, and the subgraph URLs lose any user name and password.
import { createHash } from "node:crypto";
import { formatEther } from "ethers";
import { lowBalances } from "../balances.ts";
import { parseHeightSubject } from "../decide/decision.ts";
import { describeShortfall, type Funds } from "../decide/funds.ts";
import type { ChainName } from "../decide/state.ts";
import type { ExecutorHealth, RunningExecutor } from "../service-api.ts";
import {
  listFacilitations,
  statusOf,
  type FacilitationList,
  type IntentView,
  type MessageView,
  type StatusReport,
} from "../status.ts";
import { redact, scrubText } from "./redact.ts";

export interface StatusPageSource {
  /** The running executor; null while it starts, stands by or stops. */
  executor(): Pick<RunningExecutor, "facilitator" | "books" | "readers" | "funds"> | null;
}

/** Intents listed per section, and so the facilitations looked up. */
const RECENT = 20;
const CHAINS: ChainName[] = ["origin", "auxiliary"];
const HASH = /^0x[0-9a-f]{64}$/;

const STYLE = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #d0d7de; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } code { font-size: .92em; } ul { margin: 0; padding-left: 1.1em; }
.stage-progressed, .status-ok, .ok { color: #1a7f37; } .low, .status-degraded, .error { color: #cf222e; }
.muted { color: #57606a; }`;

export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for an HTML element or a quoted attribute. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const short = (hash: string) => (HASH.test(hash) ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash);
const hashCode = (hash: string) => `<code title="${esc(hash)}">${esc(short(hash))}</code>`;
const list = (items: string[], none = "none") =>
  items.length === 0
    ? `<span class="muted">${esc(none)}</span>`
    : `<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;

/**
 * A link that opens GraphiQL (graph-node's path: <subgraph>/graphql) with `query` in the editor,
 * only for a URL shown whole (`shown`, url-secrets.ts): one whose path may hold an API key gets none.
 */
function graphiqlLink(shown: string, label: string, query: string): string {
  if (shown.endsWith("/…") || !URL.canParse(shown)) return esc(label);
  const href = `${shown.replace(/\/$/, "")}/graphql?query=${encodeURIComponent(query)}`;
  return `<a class="graphiql" href="${esc(href)}">${esc(label)}</a>`;
}

const requestQuery = (field: "stakeRequest" | "redeemRequest", id: string) =>
  `{\n  ${field}(id: ${JSON.stringify(id)}) {\n    id status amount beneficiary requestedBlock acceptedBlock\n    message { id status }\n  }\n}\n`;
const messageQuery = (id: string) =>
  `{\n  message(id: ${JSON.stringify(id)}) {\n    id kind box status hashLock\n    declaredBlock confirmedBlock blockHeight progressedBlock revokedBlock\n  }\n}\n`;

function intentLine(intent: IntentView): string {
  const mined = intent.minedBlock !== null ? `, block ${esc(intent.minedBlock)}` : "";
  const error = intent.error
    ? ` <span class="error">${esc(`${intent.error.kind}: ${intent.error.message}`)}</span>`
    : "";
  return `<code>${esc(intent.step)}</code> ${esc(intent.status)}${mined}${error}`;
}

function messageCell(chain: ChainName, report: StatusReport): string {
  const message: MessageView | null = report.messages[chain];
  const request = report.request?.chain === chain ? report.request : null;
  const lines: string[] = [];
  if (request) lines.push(`request ${esc(request.status)}`);
  if (message) lines.push(`${esc(message.box)} ${esc(message.status)}`);
  for (const intent of report.intents.filter((item) => item.chain === chain)) lines.push(intentLine(intent));
  return `<td class="chain-${chain}">${list(lines, "nothing yet")}</td>`;
}

function facilitationRow(report: StatusReport, urls: Record<ChainName, string>): string {
  const request = report.request;
  const links: string[] = [];
  if (request) {
    const field = request.kind === "Stake" ? "stakeRequest" : "redeemRequest";
    links.push(
      graphiqlLink(urls[request.chain], `request on ${request.chain}`, requestQuery(field, request.hash)),
    );
  }
  if (report.messageHash)
    for (const chain of CHAINS)
      links.push(graphiqlLink(urls[chain], `message on ${chain}`, messageQuery(report.messageHash)));
  const waits = report.waitingFor.map((wait) => `${esc(wait.for)}: ${esc(wait.detail)}`);
  const skips = report.skips.map(
    (skip) => `skipped: ${esc(skip.reason)} <span class="muted">${esc(skip.at)}</span>`,
  );
  return (
    `<tr class="facilitation" data-request="${esc(request?.hash ?? "")}" data-message="${esc(report.messageHash ?? "")}" data-stage="${esc(report.stage)}">` +
    `<td class="kind">${esc(report.kind ?? "Unknown")}</td>` +
    `<td>${request ? `request ${hashCode(request.hash)}<br>` : ""}${report.messageHash ? `message ${hashCode(report.messageHash)}` : ""}</td>` +
    `<td class="stage-${esc(report.stage)}"><b>${esc(report.stage)}</b><br>${esc(report.summary)}</td>` +
    CHAINS.map((chain) => messageCell(chain, report)).join("") +
    `<td>${list([...waits, ...skips], "nothing")}</td>` +
    `<td>${list(links)}</td></tr>`
  );
}

function intentRow(intent: IntentView): string {
  const next = intent.status === "failed" ? `next try ${intent.nextAttemptAt ?? "now"}` : "";
  return (
    `<tr class="intent"><td><code>${esc(intent.step)}</code></td><td>${hashCode(intent.subject)}</td>` +
    `<td>${esc(intent.chain ?? `chain ${intent.chainId}`)}</td><td>${esc(intent.status)}</td>` +
    `<td>${intent.minedHash ? `${hashCode(intent.minedHash)} in block ${esc(intent.minedBlock)}` : ""}</td>` +
    `<td>${intent.error ? `<span class="error">${esc(`${intent.error.kind}: ${intent.error.message}`)}</span> ` : ""}` +
    `${intent.failures > 0 ? `failures ${esc(intent.failures)} ${esc(next)}` : ""}</td>` +
    `<td class="muted">${esc(intent.updatedAt)}</td></tr>`
  );
}

function balancesTable(funds: Funds | undefined): string {
  if (!funds) return `<p class="muted">Not read yet.</p>`;
  const low = new Set(lowBalances(funds).map((item) => `${item.chain} ${item.asset}`));
  const rows: [ChainName, "ether" | "baseToken", bigint, bigint, string][] = [
    ["origin", "ether", funds.origin.ether, funds.origin.gasCost, "an accept's gas"],
    ["origin", "baseToken", funds.origin.baseToken, funds.origin.bounty, "a stake's bounty"],
    [
      "auxiliary",
      "ether",
      funds.auxiliary.ether,
      funds.auxiliary.bounty + funds.auxiliary.gasCost,
      "a redeem's bounty and an accept's gas",
    ],
  ];
  return (
    `<table class="balances"><tr><th>Chain</th><th>Asset</th><th>Held</th><th>One more accept needs</th><th></th></tr>` +
    rows
      .map(([chain, asset, held, needed, what]) => {
        const isLow = low.has(`${chain} ${asset}`);
        return (
          `<tr data-chain="${chain}" data-asset="${asset}"><td>${chain}</td><td>${asset === "ether" ? "ether" : "base token"}</td>` +
          `<td class="held">${esc(formatEther(held))}</td><td>${esc(formatEther(needed))} for ${esc(what)}</td>` +
          `<td class="${isLow ? "low" : "ok"}">${isLow ? "too low: new requests are left alone" : "enough"}</td></tr>`
        );
      })
      .join("") +
    `</table>` +
    (low.size > 0 ? list(lowBalances(funds).map((item) => esc(describeShortfall(item)))) : "")
  );
}

function healthSection(health: ExecutorHealth): string {
  const feeds = CHAINS.map(
    (chain) =>
      `${chain}: ${esc(health.feeds[chain].mode)}, block ${esc(health.feeds[chain].lastBlock ?? "none yet")}`,
  );
  return (
    `<p>Status <b class="status-${esc(health.status)}">${esc(health.status)}</b>; last decision ${esc(health.lastDecisionAt ?? "none yet")}; feeds ${esc(feeds.join("; "))}</p>` +
    (health.lastError ? `<p class="error">${esc(health.lastError)}</p>` : "")
  );
}

/** The facilitations behind the books' recent intents and skips, newest first, each once. */
async function facilitations(
  executor: NonNullable<ReturnType<StatusPageSource["executor"]>>,
  recent: FacilitationList,
): Promise<{ reports: StatusReport[]; error: string | null }> {
  const subjects = [...recent.inFlight, ...recent.planned, ...recent.finished, ...recent.skips]
    .map((item) => item.subject.toLowerCase())
    .filter((subject) => HASH.test(subject) && parseHeightSubject(subject) === undefined);
  const unique = [...new Set(subjects)].slice(0, RECENT);
  // Each on its own: one the subgraphs answer with a row the schema does not allow (status.ts
  // refuses to show it) leaves the others on the page.
  const settled = await Promise.all(
    unique.map((hash) =>
      statusOf(hash, { readers: executor.readers, books: executor.books }).then(
        (report) => ({ report }),
        (error: Error) => ({ error }),
      ),
    ),
  );
  const all = settled.flatMap((item) => ("report" in item ? [item.report] : []));
  const failures = settled.flatMap((item) => ("error" in item ? [item.error.message] : []));
  // A message hash may come without its request while the request's chain is not indexed that far
  // yet: the report that has the request stands for both.
  const withRequest = new Set(all.filter((report) => report.request).map((report) => report.messageHash));
  const seen = new Set<string>();
  const reports = all.filter((report) => {
    if (!report.request && withRequest.has(report.messageHash)) return false;
    const key = report.request?.hash ?? report.messageHash ?? report.subject;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
  return { reports, error: failures.length > 0 ? scrubText(`${failures[0]}${more}`) : null };
}

/** The whole page, read now from the books, both subgraphs and the latest balance reading. */
export async function renderStatusPage(source: StatusPageSource, health: ExecutorHealth): Promise<string> {
  const executor = source.executor();
  // /health's rules: the last error may carry calldata.
  const shown = redact(health) as ExecutorHealth;
  let body: string;
  if (executor === null) {
    body = `<h1>Facilitator</h1>${healthSection(shown)}<p>The executor is not running yet: nothing to show.</p>`;
  } else {
    const recent = await listFacilitations(executor.books, { limit: RECENT });
    const { reports, error } = await facilitations(executor, recent);
    const urls = { origin: executor.readers.origin.shown, auxiliary: executor.readers.auxiliary.shown };
    const intents = (title: string, items: IntentView[]) =>
      `<h2>${esc(title)} (${items.length})</h2>` +
      (items.length === 0
        ? `<p class="muted">None.</p>`
        : `<table class="intents"><tr><th>Step</th><th>Subject</th><th>Chain</th><th>Status</th><th>Mined</th><th>Failures</th><th>Updated</th></tr>${items.map(intentRow).join("")}</table>`);
    body =
      `<h1>Facilitator <code>${esc(executor.facilitator)}</code></h1>` +
      healthSection(shown) +
      `<h2>Balances</h2>${balancesTable(executor.funds())}` +
      `<h2>Requests and messages (${reports.length})</h2>` +
      (error ? `<p class="error">Not shown: ${esc(error)}</p>` : "") +
      (reports.length === 0
        ? `<p class="muted">None lately.</p>`
        : `<table class="facilitations"><tr><th>Kind</th><th>Hashes</th><th>Stage</th><th>On origin</th><th>On auxiliary</th><th>Waiting for</th><th>GraphiQL</th></tr>${reports
            .map((report) => facilitationRow(report, urls))
            .join("")}</table>`) +
      intents("Transactions in flight", recent.inFlight) +
      intents("Planned", recent.planned) +
      intents("Recently finished", recent.finished);
  }
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Facilitator status</title><style>${STYLE}</style></head><body>${body}` +
    `<p class="muted">Read at ${esc(new Date().toISOString())}; reload for news.</p></body></html>\n`
  );
}
