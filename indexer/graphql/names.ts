// Root query field names exactly as graph-node v0.44.0 derives them from a type name
// (camel_cased_names, graph/src/data/graphql/ext.rs:359-366): singular = to_camel_case(name),
// plural = to_camel_case(to_plural(name)), and `_collection` appended when both are equal.
// to_plural and to_camel_case follow the Rust crate Inflector 0.11.4, the version graph-node's
// Cargo.lock resolves (src/string/pluralize/mod.rs and src/cases/case/mod.rs). Inflector applies
// its lower-case rules to the whole, capitalised name, so `Person` gives `persons`, `Sheep`
// `sheeps`, `Index` `indexes`, quirks included (`person` gives `personople`); users' queries must
// run unchanged on graph-node.
import { PLURAL_RULES, SPECIAL_PLURALS, UNCOUNTABLE_WORDS } from "./inflector-plural-rules.ts";

// Inflector tries its rule list from the last rule to the first (pluralize/mod.rs:142).
const RULES_AS_TRIED = [...PLURAL_RULES].reverse();

/** Inflector's to_plural (pluralize/mod.rs:126-152). */
function toPlural(name: string): string {
  if (UNCOUNTABLE_WORDS.has(name)) return name;
  const special = SPECIAL_PLURALS.get(name);
  if (special !== undefined) return special;
  for (const [pattern, suffix] of RULES_AS_TRIED) {
    const stem = pattern.exec(name)?.[1];
    if (stem !== undefined) return stem + suffix;
  }
  return `${name}s`;
}

// GraphQL names are ASCII, so ASCII classes stand for Rust's Unicode char predicates.
const isAlphanumeric = (char: string) => /[A-Za-z0-9]/.test(char);
const isDigit = (char: string) => /[0-9]/.test(char);
const isLower = (char: string) => /[a-z]/.test(char);
const isUpper = (char: string) => /[A-Z]/.test(char);

/**
 * Inflector's to_camel_case (case/mod.rs:35-62): separators are dropped and make the next letter
 * upper case, as a digit does; an upper-case letter also stays upper case when the last letter
 * Inflector lower-cased was lower case in the input (so `TokenABC` -> `tokenABC` but `NFTOwner` ->
 * `nftowner`); every other letter is lower-cased.
 */
function toCamelCase(name: string): string {
  let result = "";
  let started = false;
  let newWord = false;
  let lastLowered = " ";
  for (const char of name.replace(/[^A-Za-z0-9]+$/, "")) {
    if (!isAlphanumeric(char)) {
      if (started) newWord = true;
    } else if (isDigit(char)) {
      started = true;
      newWord = true;
      result += char;
    } else if (newWord || (isLower(lastLowered) && isUpper(char))) {
      started = true;
      newWord = false;
      result += char.toUpperCase();
    } else {
      started = true;
      lastLowered = char;
      result += char.toLowerCase();
    }
  }
  return result;
}

export function rootFieldNames(typeName: string): { singular: string; plural: string } {
  const singular = toCamelCase(typeName);
  let plural = toCamelCase(toPlural(typeName));
  if (plural === singular) plural += "_collection";
  return { singular, plural };
}
