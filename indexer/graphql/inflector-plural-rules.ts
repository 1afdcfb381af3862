// The pluralisation data of the Rust crate Inflector 0.11.4 (repository whatisinternet/Inflector,
// commit a4a95ea), which graph-node v0.44.0 uses for its root query field names. Kept as data, in
// the crate's order, so it can be checked line by line against src/string/constants/mod.rs and
// src/string/pluralize/mod.rs. Everything is case-sensitive and lower case, as there.

/** Words returned unchanged (constants/mod.rs, UNACCONTABLE_WORDS). */
export const UNCOUNTABLE_WORDS: ReadonlySet<string> = new Set(
  `
  accommodation adulthood advertising advice aggression aid air aircraft alcohol anger applause
  arithmetic assistance athletics bacon baggage beef biology blood botany bread butter carbon
  cardboard cash chalk chaos chess crossroads countryside dancing deer dignity dirt dust economics
  education electricity engineering enjoyment envy equipment ethics evidence evolution fame
  fiction flour flu food fuel fun furniture gallows garbage garlic genetics gold golf gossip
  grammar gratitude grief guilt gymnastics happiness hardware harm hate hatred health heat help
  homework honesty honey hospitality housework humour hunger hydrogen ice importance inflation
  information innocence iron irony jam jewelry judo karate knowledge lack laughter lava leather
  leisure lightning linguine linguini linguistics literature litter livestock logic loneliness
  luck luggage macaroni machinery magic management mankind marble mathematics mayonnaise measles
  methane milk money mud music mumps nature news nitrogen nonsense nurture nutrition obedience
  obesity oxygen pasta patience physics poetry pollution poverty pride psychology publicity
  punctuation quartz racism relaxation reliability research respect revenge rice rubbish rum
  safety scenery seafood seaside series shame sheep shopping sleep smoke smoking snow soap
  software soil spaghetti species steam stuff stupidity sunshine symmetry tennis thirst thunder
  timber traffic transportation trust underwear unemployment unity validity veal vegetation
  vegetarianism vengeance violence vitality warmth wealth weather welfare wheat wildlife wisdom
  yoga zinc zoology
  `
    .trim()
    .split(/\s+/),
);

/** Whole words with a fixed plural (pluralize/mod.rs:130-141). */
export const SPECIAL_PLURALS: ReadonlyMap<string, string> = new Map([
  ["ox", "oxen"],
  ["man", "men"],
  ["woman", "women"],
  ["die", "dice"],
  ["yes", "yeses"],
  ["foot", "feet"],
  ["eave", "eaves"],
  ["goose", "geese"],
  ["tooth", "teeth"],
  ["quiz", "quizzes"],
]);

/**
 * The rules of pluralize/mod.rs:24-47 in the crate's order: [pattern, suffix]. The plural is
 * capture 1 followed by the suffix. Inflector tries them from the last to the first.
 */
export const PLURAL_RULES: readonly (readonly [RegExp, string])[] = [
  [/(\w*)s$/, "s"],
  [/(\w*([^aeiou]ese))$/, ""],
  [/(\w*(ax|test))is$/, "es"],
  [/(\w*(alias|[^aou]us|tlas|gas|ris))$/, "es"],
  [/(\w*(e[mn]u))s?$/, "s"],
  [/(\w*([^l]ias|[aeiou]las|[emjzr]as|[iu]am))$/, ""],
  [
    /(\w*(alumn|syllab|octop|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat))(?:us|i)$/,
    "i",
  ],
  [/(\w*(alumn|alg|vertebr))(?:a|ae)$/, "ae"],
  [/(\w*(seraph|cherub))(?:im)?$/, "im"],
  [/(\w*(her|at|gr))o$/, "oes"],
  [
    /(\w*(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor))(?:a|um)$/,
    "a",
  ],
  [
    /(\w*(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat))(?:a|on)$/,
    "a",
  ],
  [/(\w*)sis$/, "ses"],
  [/(\w*(kni|wi|li))fe$/, "ves"],
  [/(\w*(ar|l|ea|eo|oa|hoo))f$/, "ves"],
  [/(\w*([^aeiouy]|qu))y$/, "ies"],
  [/(\w*([^ch][ieo][ln]))ey$/, "ies"],
  [/(\w*(x|ch|ss|sh|zz)es)$/, ""],
  [/(\w*(x|ch|ss|sh|zz))$/, "es"],
  [/(\w*(matr|cod|mur|sil|vert|ind|append))(?:ix|ex)$/, "ices"],
  [/(\w*(m|l)(?:ice|ouse))$/, "ice"],
  [/(\w*(pe)(?:rson|ople))$/, "ople"],
  [/(\w*(child))(?:ren)?$/, "ren"],
  [/(\w*eaux)$/, ""],
];
