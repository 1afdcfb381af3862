// The facilitation status page at / of the executor's HTTP server, in headless Chromium against a
// real development network and a real executor: after a stake and a redeem it shows each with its
// stage and its steps on each chain, the worker's balances, and links that open GraphiQL on the
// subgraph with a query of that request or message, all without a request off loopback.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startObservabilityServer, type ObservabilityServer } from "../executor/observability/http.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { launchOfflineChromium, pngSize, type OfflineBrowser } from "./helpers/chromium.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

const USER = 2;
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
const VIEWPORT = { width: 1280, height: 900 };
let stack: ExecutorStack;
let executor: RunningExecutor;
let server: ObservabilityServer;
let browser: OfflineBrowser;

before(async () => {
  [stack, browser] = await Promise.all([startExecutorStack(), launchOfflineChromium(VIEWPORT)]);
  executor = await startExecutor(
    stack.config,
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "warn", write: () => undefined }), metrics: createMetrics() },
  );
  server = await startObservabilityServer({
    host: "127.0.0.1",
    port: 0,
    health: executor.health,
    metrics: createMetrics(),
    statusPage: { executor: () => executor },
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await executor?.stop();
  await stack?.stop();
});

test(
  "after a stake and a redeem the page shows both, the balances and GraphiQL links",
  { timeout: 150_000 },
  async () => {
    const user = devWallet(USER);
    const stake = await requestStake(stack.net, user, {
      amount: parseEther("100"),
      beneficiary: user.address,
      ...TERMS,
    });
    const stakeMessage = [...(await waitForProgressed(stack, "Stake", 1))][0]!;
    const redeem = await requestRedeem(stack.net, user, {
      amount: parseEther("40"),
      beneficiary: user.address,
      ...TERMS,
    });
    const redeemMessage = [...(await waitForProgressed(stack, "Redeem", 1))][0]!;

    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const html = await response.text();
    for (const secret of [
      KEYSTORE_PASSWORD,
      SECRETS_PASSPHRASE,
      devWallet(ROLE_INDEX.facilitator).privateKey,
    ])
      assert.ok(!html.includes(secret), "no secret on the page");

    const page = await browser.open();
    assert.equal((await page.goto(`${server.url}/`))?.status(), 200);
    assert.match(await page.locator("h1").innerText(), new RegExp(executor.facilitator, "i"));

    // Each facilitation: its stage, and each chain's last step as the books recorded it.
    const rows = [
      {
        kind: "Stake",
        request: stake.stakeRequestHash,
        message: stakeMessage,
        steps: ["acceptStake", "confirmStakeIntent", "progressStake", "progressMint"],
      },
      {
        kind: "Redeem",
        request: redeem.redeemRequestHash,
        message: redeemMessage,
        steps: ["acceptRedeem", "confirmRedeemIntent", "progressRedeem", "progressUnstake"],
      },
    ];
    for (const { kind, request, message, steps } of rows) {
      const row = page.locator(`tr.facilitation[data-request="${request.toLowerCase()}"]`);
      assert.equal(await row.count(), 1, `${kind} ${request} listed`);
      assert.equal(await row.getAttribute("data-message"), message);
      assert.equal(
        await page.locator(`tr.facilitation[data-message="${message}"]`).count(),
        1,
        "listed once",
      );
      assert.equal(await row.getAttribute("data-stage"), "progressed");
      assert.equal(await row.locator(".kind").innerText(), kind);
      const text = await row.innerText();
      for (const step of steps)
        assert.match(text, new RegExp(`${step}\\b[^\\n]*confirmed`), `${kind}: ${step} confirmed`);
      assert.match(await row.locator(".chain-origin").innerText(), /Progressed/);
      assert.match(await row.locator(".chain-auxiliary").innerText(), /Progressed/);
    }

    // The worker's balances: ether on both chains and the base token on origin.
    for (const [chain, asset] of [
      ["origin", "ether"],
      ["origin", "baseToken"],
      ["auxiliary", "ether"],
    ]) {
      const held = page.locator(`table.balances tr[data-chain="${chain}"][data-asset="${asset}"] .held`);
      assert.match(await held.innerText(), /^\d+(\.\d+)?$/, `${chain} ${asset}`);
    }

    const shot = path.join(browser.dir, "status.png");
    await page.screenshot({ path: shot });
    assert.deepEqual(pngSize(readFileSync(shot)), VIEWPORT);

    // The links open GraphiQL on the subgraph with a query that finds that request or message.
    const stakeRow = page.locator(`tr.facilitation[data-request="${stake.stakeRequestHash.toLowerCase()}"]`);
    const links = await stakeRow
      .locator("a.graphiql")
      .evaluateAll((anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href));
    assert.equal(links.length, 3, "the request on origin, the message on both chains");
    const expected = [
      { chain: "origin", field: "stakeRequest", id: stake.stakeRequestHash.toLowerCase() },
      { chain: "origin", field: "message", id: stakeMessage },
      { chain: "auxiliary", field: "message", id: stakeMessage },
    ] as const;
    for (const [index, link] of links.entries()) {
      const { chain, field, id } = expected[index]!;
      const subgraph = stack.host.httpUrl(SUBGRAPH_NAMES[chain]);
      assert.ok(link.startsWith(`${subgraph}/graphql?query=`), link);
      const query = new URL(link).searchParams.get("query")!;
      const answer = (await graphql<Record<string, { id: string }>>(subgraph, query))[field];
      assert.equal(answer?.id, id, `${link} finds ${field} ${id}`);
    }
    // One of them followed in the browser: GraphiQL opens with the query and runs it.
    const graphiql = await browser.open();
    assert.equal((await graphiql.goto(links[2]!))?.status(), 200);
    await graphiql.locator(".graphiql-query-editor .CodeMirror").waitFor({ timeout: 30_000 });
    await graphiql.locator(".graphiql-execute-button").click();
    await graphiql.waitForFunction(
      (hash) => (document.querySelector(".graphiql-response")?.textContent ?? "").includes(hash),
      stakeMessage,
      { timeout: 30_000 },
    );
    assert.deepEqual(browser.problems, []);
  },
);

test("the page answers only a loopback Host, and says when the executor is not running", async () => {
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const { port } = new URL(server.url);
    httpRequest(
      { host: "127.0.0.1", port, path: "/", headers: { host: `rebound.example:${port}` } },
      (answer) => {
        answer.resume();
        resolve(answer.statusCode);
      },
    )
      .on("error", reject)
      .end();
  });
  assert.equal(status, 403, "a page of another site, its name rebound to 127.0.0.1, cannot read it");

  const idle = await startObservabilityServer({
    host: "127.0.0.1",
    port: 0,
    health: () => ({ ...executor.health(), status: "standby", lastError: '<script>alert("x")</script>' }),
    metrics: createMetrics(),
    statusPage: { executor: () => null },
  });
  try {
    const response = await fetch(`${idle.url}/`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<b class="status-standby">standby<\/b>/);
    assert.match(html, /The executor is not running yet/);
    assert.ok(!html.includes("<script"), "values are escaped");
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  } finally {
    await idle.close();
  }
});
