// The README shows only commands that exist and that the tests run, with options the tests pass:
// a renamed script or option fails here before a user copies it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(import.meta.dirname, "..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
const scripts = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : sources(full);
    return entry.name.endsWith(".ts") ? [readFileSync(full, "utf8")] : [];
  });
}
const testSources = sources(path.join(ROOT, "tests")).join("\n");

/** Every `npm …` command in the README: code blocks and inline code. */
function readmeCommands(): Array<{ script: string; options: string[]; text: string }> {
  const found = [
    ...readme.matchAll(/\bnpm (start|test|ci|run ([a-z:]+))((?: --?[^\s`|]+| [^\s`|-][^\s`|]*)*)/g),
  ];
  return found.map((match) => ({
    script: match[2] ?? match[1]!,
    options: [...(match[3] ?? "").matchAll(/--[a-z-]+/g)]
      .map((option) => option[0])
      .filter((o) => o !== "--"),
    text: match[0],
  }));
}

test("the README's first screen gives the set-up command and the test command", () => {
  const firstScreen = readme.split("\n").slice(0, 25).join("\n");
  assert.match(firstScreen, /npm ci && npm start/);
  assert.match(firstScreen, /npm test/);
});

test("every npm command the README shows is a script that a test (or npm test itself) runs", () => {
  const commands = readmeCommands();
  assert.ok(commands.length >= 10, `found ${commands.length} commands`);
  for (const { script, text } of commands) {
    if (script === "ci") continue;
    assert.ok(script in scripts, `${text}: package.json has no script "${script}"`);
    const runByTests = script === "test" || scripts.test!.includes(`npm run ${script}`);
    assert.ok(runByTests || testSources.includes(`"${script}"`), `${text}: no test runs "${script}"`);
  }
});

test("every option the README passes to a command is one a test passes too", () => {
  for (const { options, text } of readmeCommands()) {
    for (const option of options) {
      assert.ok(testSources.includes(`"${option}"`), `${text}: no test passes ${option}`);
    }
  }
});
