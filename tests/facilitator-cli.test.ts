// The `facilitator` command line: --help tells the truth, init writes a configuration that start
// accepts and a keystore that decrypts with the password from the environment (and only then), no
// file is overwritten without --force, bad input exits 2 naming the option, configuration errors
// name the field, and status/list say clearly when a subgraph does not answer.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Wallet } from "ethers";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { readConfig } from "../executor/config.ts";
import { placeholderDeployment } from "../subgraph/build.ts";

const CLI = path.resolve(import.meta.dirname, "../cli/facilitator.ts");
const PASSWORD = "a keystore password for the test";

/** The environment without any facilitator secret the caller's shell may hold. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FACILITATOR_KEYSTORE_PASSWORD;
  delete env.FACILITATOR_SECRETS_PASSPHRASE;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    env: cleanEnv(env),
    cwd: path.resolve(import.meta.dirname, ".."),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm run facilitator", { timeout: 240_000 }, () => {
  let dir: string;
  let deploymentFile: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "facilitator-cli-"));
    deploymentFile = path.join(dir, "deployment.json");
    writeDeploymentFile(deploymentFile, placeholderDeployment());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("--help lists the commands and the environment; each command's --help its options", () => {
    const help = run(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: npm run facilitator -- <command> \[options\]/);
    for (const text of [
      "init",
      "start",
      "status <hash>",
      "list",
      "FACILITATOR_KEYSTORE_PASSWORD",
      "FACILITATOR_SECRETS_PASSPHRASE",
    ]) {
      assert.ok(help.stdout.includes(text), `--help mentions ${text}`);
    }
    const options: Record<string, string[]> = {
      init: [
        "--config",
        "--deployment",
        "--keystore",
        "--database",
        "--origin-subgraph",
        "--auxiliary-subgraph-ws",
        "--private-key-env",
        "--force",
        "FACILITATOR_KEYSTORE_PASSWORD",
      ],
      start: [
        "--config",
        "--log-level",
        "FACILITATOR_KEYSTORE_PASSWORD",
        "FACILITATOR_SECRETS_PASSPHRASE",
        "/health",
        "/metrics",
      ],
      status: ["status <hash>", "--config", "--json"],
      list: ["--config", "--limit", "--json"],
    };
    for (const [command, expected] of Object.entries(options)) {
      const commandHelp = run([command, "--help"]);
      assert.equal(commandHelp.status, 0, command);
      assert.match(commandHelp.stdout, new RegExp(`^Usage: npm run facilitator -- ${command}`));
      for (const text of expected)
        assert.ok(commandHelp.stdout.includes(text), `${command} --help mentions ${text}`);
    }
    assert.equal(run(["help", "init"]).stdout, run(["init", "--help"]).stdout);
  });

  test("bad input exits 2 with a message naming the option", () => {
    const cases: [string[], RegExp][] = [
      [[], /a command is needed/],
      [["deploy"], /unknown command "deploy": expected one of init, start, status, list/],
      [["init", "--bogus"], /Unknown option '--bogus'/],
      [
        ["init", "--config", "/dev/null/none.json", "--deployment", "/dev/null/none"],
        /--deployment: .*cannot read the deployment file/,
      ],
      [["list", "--limit", "0"], /--limit must be a whole number from 1 to 1000, got "0"/],
      [["start", "--log-level", "loud"], /--log-level must be one of debug, info, warn, error, got "loud"/],
      [["status"], /status needs a request or message hash/],
      [
        ["status", "0x1234"],
        /status: expected a request or message hash \(0x and 64 hex digits\), got "0x1234"/,
      ],
      [["status", `0x${"ab".repeat(32)}`, "extra"], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
    }
    const url = run(
      [
        "init",
        "--config",
        path.join(dir, "url.json"),
        "--deployment",
        deploymentFile,
        "--origin-subgraph",
        "ftp://example.com/x",
      ],
      { FACILITATOR_KEYSTORE_PASSWORD: PASSWORD },
    );
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--origin-subgraph must be a http or https URL, got "ftp:\/\/example.com\/…"/);
    assert.ok(!existsSync(path.join(dir, "url.json")), "nothing written");
  });

  test("init refuses without a password when there is no terminal, naming the variable", () => {
    const configFile = path.join(dir, "nopassword.json");
    const result = run(["init", "--config", configFile, "--deployment", deploymentFile]);
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /no keystore password: set FACILITATOR_KEYSTORE_PASSWORD \(there is no terminal to ask for it on\)/,
    );
    assert.ok(!existsSync(configFile));
    assert.ok(!existsSync(path.join(dir, "facilitator.keystore.json")));
  });

  test("init makes the configuration's folder when it is missing", () => {
    const configFile = path.join(dir, "new", "folder", "facilitator.json");
    const result = run(["init", "--config", configFile, "--deployment", deploymentFile], {
      FACILITATOR_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      readConfig(configFile).keystoreFile,
      path.join(dir, "new", "folder", "facilitator.keystore.json"),
    );
  });

  test("init writes a configuration start accepts and a keystore that opens with the password only", async () => {
    const configFile = path.join(dir, "facilitator.json");
    const result = run(["init", "--config", configFile, "--deployment", deploymentFile], {
      FACILITATOR_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(result.status, 0, result.stderr);
    const address = /Facilitator address: (0x[0-9a-fA-F]{40})/.exec(result.stdout)?.[1];
    assert.ok(address, result.stdout);

    const config = readConfig(configFile);
    assert.equal(config.chains.origin.subgraph.httpUrl, "http://127.0.0.1:8000/subgraphs/name/mosaic-origin");
    assert.equal(
      config.chains.auxiliary.subgraph.httpUrl,
      "http://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary",
    );
    assert.equal(config.chains.origin.subgraph.wsUrl, "ws://127.0.0.1:8000/subgraphs/name/mosaic-origin");
    assert.equal(
      config.chains.auxiliary.subgraph.wsUrl,
      "ws://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary",
    );
    assert.equal(config.keystoreFile, path.join(dir, "facilitator.keystore.json"));
    assert.equal(config.databaseUrl, `file:${path.join(dir, "facilitator.sqlite")}`);
    assert.deepEqual(config.http, { host: "127.0.0.1", port: 9464 });
    assert.equal(config.deployment.origin.chainId, 1);
    const written = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
    assert.equal(written.deploymentFile, "deployment.json", "paths are relative to the configuration");

    assert.equal(statSync(config.keystoreFile).mode & 0o777, 0o600);
    const keystore = readFileSync(config.keystoreFile, "utf8");
    const wallet = await Wallet.fromEncryptedJson(keystore, PASSWORD);
    assert.equal(wallet.address, address);
    await assert.rejects(Wallet.fromEncryptedJson(keystore, "not the password"), /incorrect password/);
    for (const output of [result.stdout, result.stderr, readFileSync(configFile, "utf8")]) {
      assert.ok(!output.includes(wallet.privateKey.slice(2)), "the key is never printed or written in clear");
      assert.ok(!output.includes(PASSWORD));
    }

    // Nothing is overwritten without --force.
    const again = run(["init", "--config", configFile, "--deployment", deploymentFile], {
      FACILITATOR_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /facilitator\.json exists: not overwritten \(pass --force to replace it\)/);
    assert.equal(readFileSync(config.keystoreFile, "utf8"), keystore);
  });

  test("init --private-key-env encrypts that key; --force replaces the files", async () => {
    const configFile = path.join(dir, "facilitator.json");
    const key = devWallet(ROLE_INDEX.facilitator).privateKey;
    const missing = run(
      [
        "init",
        "--config",
        configFile,
        "--deployment",
        deploymentFile,
        "--force",
        "--private-key-env",
        "FACILITATOR_TEST_KEY",
      ],
      { FACILITATOR_KEYSTORE_PASSWORD: PASSWORD },
    );
    assert.equal(missing.status, 2);
    assert.match(
      missing.stderr,
      /--private-key-env: the environment variable FACILITATOR_TEST_KEY is not set/,
    );
    const bad = run(
      [
        "init",
        "--config",
        configFile,
        "--deployment",
        deploymentFile,
        "--force",
        "--private-key-env",
        "FACILITATOR_TEST_KEY",
      ],
      {
        FACILITATOR_KEYSTORE_PASSWORD: PASSWORD,
        FACILITATOR_TEST_KEY: "0x1234abcd",
      },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--private-key-env: FACILITATOR_TEST_KEY does not hold a private key/);
    assert.ok(!bad.stderr.includes("1234abcd"), "the value is not echoed");

    const result = run(
      [
        "init",
        "--config",
        configFile,
        "--deployment",
        deploymentFile,
        "--force",
        "--private-key-env",
        "FACILITATOR_TEST_KEY",
      ],
      {
        FACILITATOR_KEYSTORE_PASSWORD: PASSWORD,
        FACILITATOR_TEST_KEY: key,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    const expected = devWallet(ROLE_INDEX.facilitator).address;
    assert.match(result.stdout, new RegExp(`Facilitator address: ${expected}`));
    assert.ok(!result.stdout.includes(key.slice(2)) && !result.stderr.includes(key.slice(2)));
    const wallet = await Wallet.fromEncryptedJson(
      readFileSync(path.join(dir, "facilitator.keystore.json"), "utf8"),
      PASSWORD,
    );
    assert.equal(wallet.privateKey, key);
  });

  test("configuration errors name the field", () => {
    const configFile = path.join(dir, "wrong.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        deploymentFile: "deployment.json",
        keystore: "k.json",
        chains: {
          origin: { subgraph: { httpUrl: "http://127.0.0.1:1/a" } },
          auxiliary: { subgraph: { httpUrl: "ws://127.0.0.1:1/b" } },
        },
      }),
    );
    for (const command of ["status", "list", "start"]) {
      const args = command === "status" ? [command, `0x${"ab".repeat(32)}`] : [command];
      const result = run([...args, "--config", configFile], { FACILITATOR_KEYSTORE_PASSWORD: PASSWORD });
      assert.equal(result.status, 2, command);
      assert.match(
        result.stderr,
        /wrong\.json: chains\.auxiliary\.subgraph\.httpUrl: expected an http or https URL, got "ws:\/\/127\.0\.0\.1:1\/…"/,
      );
    }
    const missing = run(["list", "--config", path.join(dir, "none.json")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /none\.json: cannot read the configuration .*`facilitator init` writes one/);
  });

  test("status and list say which subgraph does not answer, and create no books", async () => {
    const port = await closedPort();
    const configFile = path.join(dir, "down.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        deploymentFile: "deployment.json",
        keystore: "facilitator.keystore.json",
        database: "file:down-books.sqlite",
        chains: {
          origin: { subgraph: { httpUrl: `http://127.0.0.1:${port}/subgraphs/name/mosaic-origin` } },
          auxiliary: { subgraph: { httpUrl: `http://127.0.0.1:${port}/subgraphs/name/mosaic-auxiliary` } },
        },
      }),
    );
    const status = run(["status", `0x${"ab".repeat(32)}`, "--config", configFile]);
    assert.equal(status.status, 1);
    assert.match(
      status.stderr,
      new RegExp(
        `the (origin|auxiliary) subgraph at http://127\\.0\\.0\\.1:${port}/subgraphs/name/mosaic-(origin|auxiliary) did not answer: fetch failed \\(ECONNREFUSED\\)`,
      ),
    );

    const list = run(["list", "--config", configFile]);
    assert.equal(list.status, 1);
    assert.match(list.stdout, /^In flight \(0\):\n {2}none\n/);
    assert.match(
      list.stdout,
      new RegExp(`origin {4}http://127\\.0\\.0\\.1:${port}/subgraphs/name/mosaic-origin did not answer`),
    );
    assert.match(
      list.stderr,
      new RegExp(
        `the origin subgraph at http://127\\.0\\.0\\.1:${port}/subgraphs/name/mosaic-origin did not answer: fetch failed`,
      ),
    );
    assert.match(list.stderr, /the auxiliary subgraph at .* did not answer/);

    const json = run(["list", "--json", "--config", configFile]);
    assert.equal(json.status, 1);
    const parsed = JSON.parse(json.stdout) as {
      inFlight: unknown[];
      subgraphs: Record<string, { block: null; error: string }>;
    };
    assert.deepEqual(parsed.inFlight, []);
    assert.equal(parsed.subgraphs.origin?.block, null);
    assert.match(parsed.subgraphs.origin?.error ?? "", /fetch failed/);
    assert.ok(!existsSync(path.join(dir, "down-books.sqlite")), "a read command does not create the books");
  });
});
