// The graph-node stack for operators (docker-compose.yml, docs/graph-node.md), checked statically
// since docker cannot run here: the file is valid against the compose specification's JSON schema
// (the copy dclint ships, validated with ajv), it has every service the executor needs with health
// checks where others wait on them, graph-node indexes exactly the manifests' networks, no secret is
// written in it, published ports are on loopback, the example executor configuration parses, and
// the deploy script's dry run prints the graph-cli commands it would run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { DEFAULT_AUXILIARY_CHAIN_ID, DEFAULT_ORIGIN_CHAIN_ID } from "../devnet/network.ts";
import { ConfigError, parseConfig } from "../executor/config.ts";
import {
  DEFAULT_IPFS_URL,
  DEFAULT_NODE_URL,
  DEFAULT_VERSION_LABEL,
  SUBGRAPH_NAMES,
} from "../scripts/graph-node-deploy.ts";
import { DEFAULT_BUILD_DIR, GENERATED_DIR, placeholderDeployment } from "../subgraph/build.ts";
import { CHAINS, NETWORK_NAMES } from "../subgraph/manifest.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const COMPOSE_FILE = path.join(ROOT, "docker-compose.yml");
const DOCKERFILE = path.join(ROOT, "docker", "executor.Dockerfile");
const EXAMPLE_CONFIG = path.join(ROOT, "docker", "facilitator.compose.json");

type Json = Record<string, unknown>;
interface Healthcheck {
  test: string[];
}
interface DependsOn {
  condition: string;
  required?: boolean;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
}

const composeText = readFileSync(COMPOSE_FILE, "utf8");
const compose = parse(composeText) as { services: Record<string, Service>; volumes: Json };
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has no service "${name}"`);
  return found;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose's interpolation with no variable set: `${V:-d}` gives d, `${V:?e}` marks V as required. */
function withDefaults(text: string): string {
  return text.replace(VARIABLE, (_match, name: string, operator: string | undefined, word: string) =>
    operator?.endsWith("-") ? word : operator?.endsWith("?") ? `<required ${name}>` : "",
  );
}

/** The value of a `--flag value` pair in a command line. */
function flag(args: string[] | undefined, name: string): string | undefined {
  const at = args?.indexOf(name) ?? -1;
  return at < 0 ? undefined : args?.[at + 1];
}

function composeSchema(): Json {
  const require = createRequire(import.meta.url);
  const file = path.join(
    path.dirname(require.resolve("dclint/package.json")),
    "schemas",
    "compose.schema.json",
  );
  const schema = JSON.parse(readFileSync(file, "utf8")) as Json;
  assert.equal(schema.title, "Compose Specification");
  // It names draft-07 by its https address, which ajv knows as http://json-schema.org/draft-07/schema:
  // without the name ajv checks the schema against its own draft-07 meta-schema.
  assert.match(String(schema.$schema), /draft-07/);
  delete schema.$schema;
  return schema;
}

describe("docker-compose.yml against the compose specification", () => {
  // Union types ("type": ["string", "number"]) are valid JSON schema; ajv's strictTypes only
  // discourages them. Unknown keywords are still errors (strictSchema).
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  const validate = ajv.compile(composeSchema());

  test("is valid against the compose specification's JSON schema", () => {
    const valid = validate(compose);
    assert.equal(valid, true, ajv.errorsText(validate.errors, { separator: "\n" }));
  });

  test("the validator rejects what the specification does not allow", () => {
    const copy = () => structuredClone(compose) as unknown as { services: Record<string, Json> };
    const misspelt = copy();
    misspelt.services["graph-node"]!.healthchek = misspelt.services["graph-node"]!.healthcheck;
    assert.equal(validate(misspelt), false);
    assert.match(ajv.errorsText(validate.errors), /additional properties/);

    const badCondition = copy();
    (badCondition.services.executor!.depends_on as Record<string, DependsOn>)["graph-node"]!.condition =
      "healthy";
    assert.equal(validate(badCondition), false);

    const badPorts = copy();
    badPorts.services.ipfs!.ports = "127.0.0.1:5001:5001";
    assert.equal(validate(badPorts), false);
  });
});

describe("the services", () => {
  test("everything the executor needs, the local chains only under the local-chains profile", () => {
    assert.deepEqual(Object.keys(services).sort(), [
      "anvil-auxiliary",
      "anvil-origin",
      "executor",
      "graph-node",
      "ipfs",
      "postgres",
    ]);
    for (const name of ["anvil-origin", "anvil-auxiliary"]) {
      assert.deepEqual(service(name).profiles, ["local-chains"], name);
    }
    for (const name of ["postgres", "ipfs", "graph-node", "executor"]) {
      assert.equal(service(name).profiles, undefined, `${name} must run without a profile`);
    }
    assert.deepEqual(Object.keys(compose.volumes).sort(), ["executor-data", "ipfs-data", "postgres-data"]);
  });

  test("images are pinned; graph-node is a release without subscriptions (>= 0.38)", () => {
    for (const [name, { image, build }] of Object.entries(services)) {
      if (build) continue;
      assert.match(image ?? "", /^[a-z0-9./-]+:[A-Za-z0-9._-]+$/, `${name}: an image with a tag`);
      assert.doesNotMatch(image ?? "", /:(latest|nightly|stable)$/, `${name}: a fixed version`);
    }
    assert.equal(service("graph-node").image, "graphprotocol/graph-node:v0.44.0");
    const [major, minor] = /:v(\d+)\.(\d+)\./.exec(service("graph-node").image!)!.slice(1).map(Number);
    assert.ok(major! > 0 || minor! >= 38, "graph-node >= 0.38: the executor polls it");
    assert.match(service("ipfs").image!, /^ipfs\/kubo:v\d+\.\d+\.\d+$/);
    assert.match(service("anvil-origin").image!, /^ghcr\.io\/foundry-rs\/foundry:v\d+\.\d+\.\d+$/);
    assert.equal(service("anvil-auxiliary").image, service("anvil-origin").image);
  });

  test("start-up order: each waits for what it needs to be healthy, and those have health checks", () => {
    const dependsOn = (name: string) => service(name).depends_on ?? {};
    assert.deepEqual(dependsOn("graph-node").postgres, { condition: "service_healthy" });
    assert.deepEqual(dependsOn("graph-node").ipfs, { condition: "service_healthy" });
    assert.deepEqual(dependsOn("executor")["graph-node"], { condition: "service_healthy" });
    // The local chains are waited for when they run, and not required when they do not.
    for (const name of ["graph-node", "executor"]) {
      for (const chain of ["anvil-origin", "anvil-auxiliary"]) {
        assert.deepEqual(dependsOn(name)[chain], { condition: "service_healthy", required: false }, name);
      }
    }
    for (const [name, { depends_on }] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(depends_on ?? {})) {
        assert.ok(services[target], `${name} depends on an unknown service ${target}`);
        if (condition === "service_healthy") {
          assert.ok(
            services[target].healthcheck?.test,
            `${name} waits for ${target}, which has no healthcheck`,
          );
        }
      }
    }
    for (const name of Object.keys(services)) {
      assert.equal(service(name).healthcheck?.test[0], "CMD", `${name} has an exec health check`);
    }
  });

  test("postgres is created as graph-node needs it (UTF8, C locale) and graph-node reaches it and IPFS", () => {
    const postgres = service("postgres").environment!;
    const initdb = postgres.POSTGRES_INITDB_ARGS!.split(/\s+/);
    assert.ok(initdb.includes("--locale=C"), "initdb --locale=C");
    assert.equal(flag(initdb, "-E"), "UTF8");
    const node = service("graph-node").environment!;
    assert.equal(node.postgres_host, "postgres");
    assert.equal(node.postgres_port, "5432");
    assert.equal(node.postgres_user, postgres.POSTGRES_USER);
    assert.equal(node.postgres_db, postgres.POSTGRES_DB);
    assert.equal(node.postgres_pass, postgres.POSTGRES_PASSWORD, "one password for both");
    assert.equal(node.ipfs, "ipfs:5001");
    assert.ok(service("postgres").command?.includes("shared_preload_libraries=pg_stat_statements"));
  });

  test("graph-node indexes exactly the manifests' networks, by default on the local chains", () => {
    const ethereum = service("graph-node").environment!.ethereum!;
    const entries = ethereum.split(/\s+/).map((entry) => {
      const at = entry.indexOf(":");
      return { network: entry.slice(0, at), url: entry.slice(at + 1) };
    });
    assert.deepEqual(
      entries.map((entry) => entry.network),
      CHAINS.map((chain) => NETWORK_NAMES[chain]),
    );
    const chainIds = { origin: DEFAULT_ORIGIN_CHAIN_ID, auxiliary: DEFAULT_AUXILIARY_CHAIN_ID };
    CHAINS.forEach((chain, index) => {
      const variable = `${chain.toUpperCase()}_RPC_URL`;
      assert.match(entries[index]!.url, new RegExp(`^\\$\\{${variable}:-http://[^}]+\\}$`), chain);
      const url = new URL(withDefaults(entries[index]!.url));
      const anvil = service(url.hostname);
      assert.equal(url.hostname, `anvil-${chain}`);
      assert.equal(flag(anvil.command, "--port"), url.port, `${chain}: the anvil service's port`);
      assert.equal(flag(anvil.command, "--host"), "0.0.0.0", `${chain}: anvil listens beyond its loopback`);
      assert.equal(flag(anvil.command, "--chain-id"), String(chainIds[chain]), `${chain}: chain id`);
      assert.equal(anvil.entrypoint?.[0], "anvil");
      assert.ok(anvil.healthcheck!.test.includes(`http://127.0.0.1:${url.port}`), `${chain}: health check`);
    });
  });

  test("no secret is written in the file: passwords come from ${VAR} without a default", () => {
    const secretName = /pass|password|passphrase|secret|token|private|mnemonic|api_?key/i;
    let checked = 0;
    for (const [name, { environment }] of Object.entries(services)) {
      assert.ok(environment === undefined || !Array.isArray(environment), `${name}: environment as a map`);
      for (const [key, value] of Object.entries(environment ?? {})) {
        if (!secretName.test(key)) continue;
        checked++;
        const match = /^\$\{([A-Z_][A-Z0-9_]*)(:-|:\?)([^}]*)\}$/.exec(value);
        assert.ok(match, `${name}.${key} must be a single \${VARIABLE}, got a literal`);
        if (match[2] === ":-") assert.equal(match[3], "", `${name}.${key}: no default value`);
      }
    }
    assert.equal(checked, 4, "postgres and graph-node's database password, the executor's two secrets");
    assert.equal(
      service("executor").environment!.FACILITATOR_KEYSTORE_PASSWORD,
      "${FACILITATOR_KEYSTORE_PASSWORD:-}",
    );
    assert.equal(
      service("executor").environment!.FACILITATOR_SECRETS_PASSPHRASE,
      "${FACILITATOR_SECRETS_PASSPHRASE:-}",
    );
    assert.match(service("postgres").environment!.POSTGRES_PASSWORD!, /^\$\{POSTGRES_PASSWORD:\?/);
    // Nothing that looks like a key, a known default password or a mnemonic anywhere in the file.
    assert.doesNotMatch(composeText, /0x[0-9a-fA-F]{64}/);
    assert.doesNotMatch(composeText, /let-me-in|--mnemonic|test test test/);
    // The RPC URLs (which may hold an API key) come from variables too.
    assert.doesNotMatch(service("graph-node").environment!.ethereum!, /https:\/\//);
  });

  test("published ports are bound to 127.0.0.1; postgres and the executor publish none", () => {
    const published = (name: string) =>
      (service(name).ports ?? []).map((port) => {
        const match = /^(\d+\.\d+\.\d+\.\d+):(\d+):(\d+)$/.exec(port);
        assert.ok(match, `${name}: "${port}" names its host address`);
        assert.equal(match[1], "127.0.0.1", `${name}: ${port} must be bound to loopback`);
        return Number(match[3]);
      });
    for (const name of Object.keys(services)) published(name);
    assert.deepEqual(published("graph-node"), [8000, 8020, 8030, 8040]);
    assert.deepEqual(published("ipfs"), [5001]);
    assert.deepEqual(published("anvil-origin"), [8545]);
    assert.deepEqual(published("anvil-auxiliary"), [9545]);
    assert.deepEqual(published("postgres"), []);
    assert.deepEqual(published("executor"), []);
  });

  test("the executor: its Dockerfile, poll-mode configuration, mounts and /health check", () => {
    const executor = service("executor");
    assert.deepEqual(executor.build, { context: ".", dockerfile: "docker/executor.Dockerfile" });
    const dockerfile = readFileSync(DOCKERFILE, "utf8");
    assert.match(dockerfile, /^FROM node:20-slim$/m);
    assert.match(dockerfile, /^RUN npm ci\b/m);
    assert.match(dockerfile, /^USER node$/m);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    assert.ok(cmd, "an exec-form CMD");
    // The executor itself as the container's process, so that docker stop's SIGTERM reaches it.
    assert.deepEqual(JSON.parse(cmd[1]!), [
      "node",
      "--import",
      "tsx",
      "cli/facilitator.ts",
      "start",
      "--config",
      "/config/facilitator.json",
    ]);
    assert.doesNotMatch(
      dockerfile,
      /PASSWORD|PASSPHRASE|keystore\.json/,
      "no secret is baked into the image",
    );

    const mounts = Object.fromEntries(
      (executor.volumes ?? []).map((volume) =>
        typeof volume === "string"
          ? [volume.split(":")[1], { source: volume.split(":")[0], read_only: false }]
          : [volume.target, volume],
      ),
    ) as Record<string, { source: string; read_only?: boolean }>;
    assert.deepEqual(Object.keys(mounts).sort(), [
      "/config/deployment.json",
      "/config/facilitator.json",
      "/config/facilitator.keystore.json",
      "/data",
    ]);
    for (const target of Object.keys(mounts).filter((target) => target.startsWith("/config/"))) {
      assert.equal(mounts[target]!.read_only, true, `${target} is mounted read-only`);
    }
    assert.equal(
      path.resolve(ROOT, withDefaults(mounts["/config/facilitator.json"]!.source)),
      EXAMPLE_CONFIG,
      "the example configuration is mounted by default",
    );
    assert.equal(mounts["/data"]!.source, "executor-data");

    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")) as {
      http: { host: string; port: number };
      database: string;
      deploymentFile: string;
      keystore: string;
    };
    assert.equal(path.posix.join("/config", config.deploymentFile), "/config/deployment.json");
    assert.equal(path.posix.join("/config", config.keystore), "/config/facilitator.keystore.json");
    assert.ok(config.database.startsWith("file:/data/"), "the books live in the data volume");
    const healthTest = executor.healthcheck!.test.join(" ");
    assert.ok(
      healthTest.includes(`http://${config.http.host}:${config.http.port}/health`),
      "the health check asks the configured /health",
    );
  });

  test(".dockerignore keeps installed files, local state and secrets out of the image", () => {
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    for (const pattern of [
      "**/node_modules",
      ".devnet",
      "subgraph/build",
      "executor/bookkeeping/generated",
      "**/*.sqlite",
      "**/.env",
      "**/*.keystore.json",
    ]) {
      assert.ok(ignored.includes(pattern), `.dockerignore: ${pattern}`);
    }
  });
});

describe("docker/facilitator.compose.json", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "compose-config-"));
    copyFileSync(EXAMPLE_CONFIG, path.join(dir, "facilitator.json"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("executor/config.ts accepts it with a deployment file beside it: poll mode, the compose services", () => {
    const file = path.join(dir, "facilitator.json");
    const raw = JSON.parse(readFileSync(file, "utf8")) as unknown;
    assert.throws(
      () => parseConfig(raw, file),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /deploymentFile/);
        return true;
      },
    );
    writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
    const config = parseConfig(raw, file);
    assert.equal(config.feed.mode, "polling");
    assert.equal(config.keystoreFile, path.join(dir, "facilitator.keystore.json"));
    assert.equal(config.databaseUrl, "file:/data/facilitator.sqlite");
    assert.deepEqual(config.http, { host: "127.0.0.1", port: 9464 });
    for (const chain of CHAINS) {
      const subgraph = config.chains[chain].subgraph;
      assert.equal(subgraph.wsUrl, undefined, `${chain}: no subscriptions with graph-node >= 0.38`);
      const url = new URL(subgraph.httpUrl);
      assert.equal(url.hostname, "graph-node");
      assert.equal(url.port, "8000", "graph-node's GraphQL query port");
      assert.ok(service("graph-node").ports!.some((port) => port.endsWith(`:${url.port}`)));
      assert.equal(url.pathname, `/subgraphs/name/${SUBGRAPH_NAMES[chain]}`);
      // The RPC URL is the one graph-node indexes by default: the same chain for both.
      const rpc = new URL(config.chains[chain].rpcUrl);
      const nodeDefault = withDefaults(service("graph-node").environment!.ethereum!)
        .split(/\s+/)
        .find((entry) => entry.startsWith(`${NETWORK_NAMES[chain]}:`))!
        .slice(NETWORK_NAMES[chain].length + 1);
      assert.equal(rpc.href, new URL(nodeDefault).href, `${chain}: executor and graph-node on one chain`);
    }
  });
});

describe("scripts/graph-node-deploy.ts", { timeout: 120_000 }, () => {
  let dir: string;
  let deploymentFile: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "graph-node-deploy-"));
    deploymentFile = path.join(dir, "deployment.json");
    writeDeploymentFile(deploymentFile, placeholderDeployment());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    // As the docs show it: npm run subgraph:deploy -- …
    const result = spawnSync("npm", ["run", "--silent", "subgraph:deploy", "--", ...args], {
      encoding: "utf8",
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const relative = (file: string) => path.relative(ROOT, file);
  const expected = (node: string, ipfs: string, label: string) =>
    CHAINS.flatMap((chain) => [
      `node_modules/.bin/graph create --node ${node} ${SUBGRAPH_NAMES[chain]}`,
      [
        "node_modules/.bin/graph deploy",
        `--node ${node} --ipfs ${ipfs} --version-label ${label}`,
        `--output-dir ${relative(path.join(DEFAULT_BUILD_DIR, chain))} --skip-migrations`,
        `${SUBGRAPH_NAMES[chain]} ${relative(path.join(GENERATED_DIR, `${chain}.subgraph.yaml`))}`,
      ].join(" "),
    ]);
  const commandLines = (stdout: string) =>
    stdout.split("\n").filter((line) => line.startsWith("node_modules/"));

  test("its defaults are the compose file's published admin and IPFS ports; the names the config queries", () => {
    const graphNodePorts = service("graph-node").ports!;
    assert.ok(graphNodePorts.includes(`${new URL(DEFAULT_NODE_URL).host}:8020`));
    assert.ok(service("ipfs").ports!.includes(`${new URL(DEFAULT_IPFS_URL).host}:5001`));
    assert.deepEqual(SUBGRAPH_NAMES, { origin: "mosaic-origin", auxiliary: "mosaic-auxiliary" });
    assert.ok(existsSync(path.join(ROOT, "node_modules", ".bin", "graph")), "graph-cli is installed");
  });

  test("--help names every option and the defaults", () => {
    const help = run(["--help"]);
    assert.equal(help.status, 0, help.stderr);
    for (const text of [
      "--deployment",
      "--node",
      "--ipfs",
      "--version-label",
      "--dry-run",
      DEFAULT_NODE_URL,
      DEFAULT_IPFS_URL,
      DEFAULT_VERSION_LABEL,
    ]) {
      assert.ok(help.stdout.includes(text), `--help mentions ${text}`);
    }
  });

  test("--dry-run prints graph create and graph deploy for both subgraphs, with the defaults", () => {
    const dry = run(["--dry-run", "--deployment", deploymentFile]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.deepEqual(
      commandLines(dry.stdout),
      expected(DEFAULT_NODE_URL, DEFAULT_IPFS_URL, DEFAULT_VERSION_LABEL),
    );
    assert.match(dry.stdout, /dry run: nothing is built, created or deployed/);
    assert.ok(dry.stdout.includes(deploymentFile), "names the deployment file it would build for");
  });

  test("--dry-run with --node, --ipfs and --version-label passes them to graph-cli", () => {
    const dry = run([
      "--dry-run",
      "--deployment",
      deploymentFile,
      "--node",
      "http://10.0.0.5:18020/",
      "--ipfs",
      "https://ipfs.example.org:5001",
      "--version-label",
      "v2.0.1-rc.1",
    ]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.deepEqual(
      commandLines(dry.stdout),
      expected("http://10.0.0.5:18020", "https://ipfs.example.org:5001", "v2.0.1-rc.1"),
    );
  });

  test("bad input exits 2 and names the option", () => {
    const cases: [string[], RegExp][] = [
      [["--node", "ftp://127.0.0.1:8020"], /--node must be an http or https URL/],
      [["--ipfs", "not a url"], /--ipfs must be an http or https URL/],
      [["--version-label", "two words"], /--version-label must be/],
      [["--version-label", ""], /--version-label must be/],
      [["--bogus"], /--bogus/],
      [["mosaic-origin"], /Unexpected argument 'mosaic-origin'/],
      [
        ["--deployment", path.join(dir, "missing.json")],
        /--deployment: no deployment file at .*missing\.json/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = run(["--dry-run", ...args]);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(commandLines(result.stdout).length, 0, "no command printed");
    }
  });

  test("an invalid deployment file exits 2 naming the field", () => {
    const bad = path.join(dir, "bad.json");
    writeDeploymentFile(bad, placeholderDeployment());
    const text = readFileSync(bad, "utf8").replace(/"chainId": 2/, '"chainId": "two"');
    assert.ok(text.includes('"chainId": "two"'), "the fixture changed the field");
    const invalid = path.join(dir, "invalid.json");
    writeFileSync(invalid, text);
    const result = run(["--dry-run", "--deployment", invalid]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /--deployment: .*auxiliary\.chainId/);
  });

  test("without --dry-run, an unreachable graph-node fails before building, naming the URL", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = run(["--deployment", deploymentFile, "--node", `http://127.0.0.1:${port}`]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`graph-node's admin endpoint at http://127.0.0.1:${port} did not answer \\(ECONNREFUSED\\)`),
    );
    assert.doesNotMatch(result.stdout, /graph build|graph codegen/, "nothing was built");
  });
});
