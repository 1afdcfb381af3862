// Root field names as graph-node derives them from a type name: lowerCamelCase for the singular
// field and the English plural for the collection (`Token` -> `token`, `tokens`; `Status` ->
// `status`, `statuses`); when both would be equal the plural gets `_collection`.
// graph-node uses the Inflector crate; these are the common rules of that family, not a copy, so
// rare words may be pluralised differently (docs/indexer-api.md says so).

const UNCOUNTABLE = new Set([
  "equipment",
  "information",
  "rice",
  "money",
  "species",
  "series",
  "fish",
  "sheep",
  "jeans",
  "police",
  "news",
]);

const IRREGULAR: Record<string, string> = {
  person: "people",
  man: "men",
  woman: "women",
  child: "children",
  mouse: "mice",
  ox: "oxen",
};

const PLURAL_RULES: [RegExp, string][] = [
  [/(quiz)$/i, "$1zes"],
  [/(matr|vert|ind)(?:ix|ex)$/i, "$1ices"],
  [/(alias|status|bus)$/i, "$1es"],
  [/(octop|vir)us$/i, "$1i"],
  [/(ax|test)is$/i, "$1es"],
  [/sis$/i, "ses"],
  [/(x|ch|ss|sh)$/i, "$1es"],
  [/([^aeiouy]|qu)y$/i, "$1ies"],
  [/(hive)$/i, "$1s"],
  [/([^f])fe$/i, "$1ves"],
  [/([lr])f$/i, "$1ves"],
  [/([ti])um$/i, "$1a"],
  [/(buffal|tomat|potat)o$/i, "$1oes"],
  [/s$/i, "s"],
  [/$/, "s"],
];

/** The words of an identifier: `ERC20TokenBalance` -> ERC, 20, Token, Balance. */
function words(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [name];
}

function lowerCamel(parts: string[]): string {
  return parts
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join("");
}

function pluralWord(word: string): string {
  const lower = word.toLowerCase();
  if (UNCOUNTABLE.has(lower)) return word;
  const irregular = IRREGULAR[lower];
  if (irregular) return word.charAt(0) + irregular.slice(1);
  for (const [pattern, replacement] of PLURAL_RULES) {
    if (pattern.test(word)) return word.replace(pattern, replacement);
  }
  return word;
}

export function rootFieldNames(typeName: string): { singular: string; plural: string } {
  const parts = words(typeName);
  const singular = lowerCamel(parts);
  const last = parts.length - 1;
  const pluralParts = parts.map((word, index) => (index === last ? pluralWord(word) : word));
  let plural = lowerCamel(pluralParts);
  if (plural === singular) plural += "_collection";
  return { singular, plural };
}
