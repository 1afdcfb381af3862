// graph-node's string filters are PostgreSQL LIKE and ILIKE with the user's value as the pattern:
// `%` and `_` are wildcards and a backslash makes the next character literal. SQLite's LIKE folds
// ASCII case and has no default escape, so patterns are translated to GLOB, which is case
// sensitive; ILIKE, in the C locale graph-node's database uses, folds ASCII letters only, as
// SQLite's lower() does.

/** PostgreSQL's error for a pattern ending in the escape character, as graph-node reports it. */
const TRAILING_ESCAPE = "Failed to get entities from store: LIKE pattern must not end with escape character";

/** Characters GLOB treats specially; each is written as a one-character class to be literal. */
const GLOB_SPECIAL = new Set(["*", "?", "["]);

/** A LIKE `pattern` (ILIKE with `nocase`) as a GLOB pattern, to compare with `lower(x)` if `nocase`. */
export function likeAsGlob(pattern: string, nocase: boolean): string {
  const source = nocase ? asciiLower(pattern) : pattern;
  let glob = "";
  const chars = Array.from(source);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === "%") glob += "*";
    else if (char === "_") glob += "?";
    else if (char === "\\") {
      const next = chars[++i];
      if (next === undefined) throw new Error(TRAILING_ESCAPE);
      glob += literal(next);
    } else glob += literal(char);
  }
  return glob;
}

/** The SQL condition `expression LIKE/ILIKE pattern` (negated: NOT), for a GLOB param from likeAsGlob. */
export function globCondition(
  expression: string,
  globParam: string,
  nocase: boolean,
  negated: boolean,
): string {
  const subject = nocase ? `lower(${expression})` : expression;
  return `${subject} ${negated ? "NOT GLOB" : "GLOB"} ${globParam}`;
}

function literal(char: string): string {
  return GLOB_SPECIAL.has(char) ? `[${char}]` : char;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (char) => char.toLowerCase());
}
