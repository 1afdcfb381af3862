// bench/results.json: the latest value of every benchmark figure, committed with the code. A run
// replaces the figures it measured (by name) and keeps the others, so each benchmark can be run alone.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const DEFAULT_RESULTS_FILE = path.resolve(import.meta.dirname, "results.json");

export type ParameterValue = string | number | boolean;

/** One measured value, with the parameters of the command that measured it. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  parameters: Record<string, ParameterValue>;
}

/** Where and when a figure was measured: figures of different runs sit side by side in the file. */
export interface RunInfo {
  measuredAt: string;
  cpus: number;
}

export type RecordedFigure = Figure & RunInfo;

interface ResultsFile {
  figures: RecordedFigure[];
}

export function currentRun(now = new Date()): RunInfo {
  return { measuredAt: now.toISOString(), cpus: os.availableParallelism() };
}

/** The existing figures with those of the same name replaced by the fresh ones, sorted by name. */
export function mergeFigures(existing: RecordedFigure[], fresh: RecordedFigure[]): RecordedFigure[] {
  const byName = new Map(existing.map((figure) => [figure.name, figure]));
  for (const figure of fresh) byName.set(figure.name, figure);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The figures in a results file; none when it does not exist yet. A malformed file is an error. */
export function readResults(file: string): RecordedFigure[] {
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message}); fix or remove it`);
  }
  const figures = (parsed as Partial<ResultsFile> | null)?.figures;
  if (!Array.isArray(figures) || !figures.every(isRecordedFigure)) {
    throw new Error(`${file}: expected { "figures": [{ name, value, unit, parameters, measuredAt, cpus }] }`);
  }
  return figures;
}

/** Merges the fresh figures into the file (created if missing); returns everything it now holds. */
export function writeResults(file: string, fresh: Figure[], run: RunInfo = currentRun()): RecordedFigure[] {
  const figures = mergeFigures(
    readResults(file),
    fresh.map((figure) => ({ ...figure, ...run })),
  );
  const content: ResultsFile = { figures };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return figures;
}

/** A plain-text table of figures: name, value with unit, and parameters. */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((figure) => [
    figure.name,
    `${formatValue(figure.value)} ${figure.unit}`,
    Object.entries(figure.parameters)
      .map(([key, value]) => `${key}=${value}`)
      .join(" "),
  ]);
  const header = ["figure", "value", "parameters"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** Three significant digits at most, without exponent notation for everyday magnitudes. */
function formatValue(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

function isRecordedFigure(value: unknown): value is RecordedFigure {
  const figure = value as Partial<RecordedFigure> | null;
  return (
    typeof figure?.name === "string" &&
    typeof figure.value === "number" &&
    typeof figure.unit === "string" &&
    typeof figure.parameters === "object" &&
    figure.parameters !== null &&
    typeof figure.measuredAt === "string" &&
    typeof figure.cpus === "number"
  );
}
