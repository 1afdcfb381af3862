// Root query field names must be graph-node v0.44.0's, so a query written against the embedded host
// runs unchanged on graph-node. graph-node: camel_cased_names (graph/src/data/graphql/ext.rs:359-366)
// returns (name.to_camel_case(), name.to_plural().to_camel_case()), with `_collection` appended to
// the plural when both are equal. Both functions come from the Rust crate Inflector 0.11.4 (the
// version in graph-node's Cargo.lock), repository whatisinternet/Inflector at commit a4a95ea
// (Cargo.toml version 0.11.4). The expected names below were derived by reading that source:
//  - P:NN is a line of src/string/pluralize/mod.rs. to_plural (P:126-152) returns the name unchanged
//    if it is one of the lower-case uncountable words (src/string/constants/mod.rs), then tries the
//    exact lower-case special cases (P:130-141), then the regex rules P:24-47 from LAST to first
//    (P:142), case-sensitively, on the whole name; the first rule that matches gives capture 1 plus
//    its suffix; if none matches it appends "s" (P:150).
//  - C:NN is a line of src/cases/case/mod.rs (to_case_camel_like, C:35-62, called by to_camel_case
//    in src/cases/camelcase/mod.rs:78-88): trailing separators are cut (C:96-98), leading ones
//    skipped, a separator or a digit makes the next letter upper case (C:42-49), a lower-case
//    letter followed by an upper-case one keeps it upper case (C:86-90), every other letter is
//    lower-cased.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GraphQLObjectType } from "graphql";
import { apiSchemaFor } from "../indexer/graphql/index.ts";
import { rootFieldNames } from "../indexer/graphql/names.ts";
import { parseSubgraphSchema } from "../indexer/schema/index.ts";

type Row = [typeName: string, singular: string, plural: string];

// Names from graph-node's own tests.
const GRAPH_NODE_TESTS: Row[] = [
  ["Stats", "stats", "stats_collection"], // graph/src/schema/api.rs:2285-2295; P:24 keeps the s
  ["SongPlays", "songPlays", "songPlays_collection"], // store/test-store/tests/graphql/query.rs:3056
  ["UserPlays", "userPlays", "userPlays_collection"], // query.rs:3066
  ["Musician", "musician", "musicians"], // query.rs:750
  ["SongStat", "songStat", "songStats"], // query.rs:758
  ["Song", "song", "songs"], // query.rs:1380
  ["Band", "band", "bands"], // query.rs:892
  ["User", "user", "users"], // query.rs:1427
  ["Review", "review", "reviews"], // query.rs:1402 (an interface)
  ["Media", "media", "medias"], // query.rs:1549 (an interface); P:34 has no "medi"
  ["Single", "single", "singles"], // query.rs:3034
];

// Words whose rule or uncountable entry is lower case, so it does not match the capitalised name.
const CAPITALISED_WORDS: Row[] = [
  ["Person", "person", "persons"], // P:45 needs a lower-case "pe"; P:150
  ["Sheep", "sheep", "sheeps"], // uncountable "sheep" is lower case; P:150
  ["Status", "status", "statuses"], // P:27 [^aou]us
  ["Index", "index", "indexes"], // P:43 needs "ind"; P:42 x
  ["Matrix", "matrix", "matrixes"], // P:43 needs "matr"; P:42 x
  ["Quiz", "quiz", "quizs"], // special case "quiz" (P:140) is lower case; P:150
  ["Ox", "ox", "oxes"], // special case "ox" (P:131) is lower case; P:42 x
  ["Mouse", "mouse", "mouses"], // P:44 needs a lower-case m; P:150
  ["Child", "child", "childs"], // P:46 needs "child"; P:150
  ["Datum", "datum", "datums"], // P:34 needs "dat"; P:150
  ["Analysis", "analysis", "analyses"], // P:36 sis
  ["Wolf", "wolf", "wolves"], // P:38 lf
  ["Knife", "knife", "knifes"], // P:37 needs "kni"; P:150
  ["Hero", "hero", "heros"], // P:33 needs "her"; P:150
  ["Bus", "bus", "buses"], // P:27 [^aou]us (B is not a lower-case vowel)
  ["Alias", "alias", "alias_collection"], // P:29 [^l]ias fails, P:27 needs "alias"; P:24
  ["Octopus", "octopus", "octopuses"], // P:30 needs "octop"; P:27 pus
  ["Axis", "axis", "axis_collection"], // P:26 needs "ax"; P:24
  ["News", "news", "news_collection"], // uncountable "news" is lower case; P:24
  ["Series", "series", "series_collection"], // P:24
  ["Equipment", "equipment", "equipments"], // uncountable "equipment" is lower case; P:150
  ["Fish", "fish", "fishes"], // P:42 sh
  ["Money", "money", "monies"], // uncountable "money" is lower case; P:40 "Mon" + ey
  ["Honey", "honey", "honies"], // P:40 ([^ch] excludes only lower-case c and h)
  ["Cow", "cow", "cows"], // P:150
  ["Tomato", "tomato", "tomatoes"], // P:33 "at" + o
  ["Shoe", "shoe", "shoes"], // P:150
  ["Movie", "movie", "movies"], // P:150
  ["Entry", "entry", "entries"], // P:39 ry
  ["Day", "day", "days"], // P:39 needs a consonant before y; P:150
  ["Gas", "gas", "gas_collection"], // P:27 needs "gas", P:29 [emjzr]as is lower case; P:24
  ["Chinese", "chinese", "chinese_collection"], // P:25 [^aeiou]ese keeps the name
  ["Crisis", "crisis", "crises"], // P:36 sis
  ["Midwife", "midwife", "midwives"], // P:37 wife
  ["Salesperson", "salesperson", "salespersonople"], // P:45, see below
];

// Lower-case type names meet the lower-case lists. P:44 and P:45 put the whole word in capture 1,
// so Inflector 0.11.4 appends to it: "person" -> "personople" (the bug that the unmerged upstream
// commit 5bdb9e2, "Fix some irregular pluralizations", describes; graph-node has it too).
const LOWER_CASE_NAMES: Row[] = [
  ["person", "person", "personople"], // P:45
  ["mouse", "mouse", "mouseice"], // P:44
  ["sheep", "sheep", "sheep_collection"], // uncountable
  ["accommodation", "accommodation", "accommodation_collection"], // first uncountable word
  ["zoology", "zoology", "zoology_collection"], // last uncountable word
  ["ox", "ox", "oxen"], // P:131
  ["quiz", "quiz", "quizzes"], // P:140
];

// How to_camel_case splits words.
const CAMEL_CASE: Row[] = [
  ["TokenBalance", "tokenBalance", "tokenBalances"], // C:86-90 lower then upper
  ["ERC20Token", "erc20Token", "erc20Tokens"], // C:46-49 a digit starts a new word
  ["NFTOwner", "nftowner", "nftowners"], // C:86-90 upper after upper is lower-cased
  ["HTTPRequest", "httprequest", "httprequests"],
  ["DAO", "dao", "daos"],
  ["TokenABC", "tokenABC", "tokenABCs"], // C:50-57 only a lower-cased letter becomes last_char, so ABC stays
  ["Token_Holder", "tokenHolder", "tokenHolders"], // C:42-43 the separator is dropped
  ["Token_", "token", "tokenS"], // C:96-98 trims the trailing _ of the name, not of "Token_s"
  ["A", "a", "as"],
  ["AB", "ab", "abs"],
  ["user2Profile", "user2Profile", "user2Profiles"],
];

// Every entity of our schema.graphql: the executor queries these names, they must not change.
const OUR_SCHEMA: Row[] = [
  ["StakeRequest", "stakeRequest", "stakeRequests"],
  ["RedeemRequest", "redeemRequest", "redeemRequests"],
  ["Message", "message", "messages"],
  ["OpenRequest", "openRequest", "openRequests"],
  ["AnchoredStateRoot", "anchoredStateRoot", "anchoredStateRoots"],
  ["GatewayProof", "gatewayProof", "gatewayProofs"], // P:38 has no "oo" + f
  ["MosaicEvent", "mosaicEvent", "mosaicEvents"],
  ["Worker", "worker", "workers"],
  ["WorkerChange", "workerChange", "workerChanges"],
];

describe("root query field names are graph-node's (Inflector 0.11.4)", () => {
  const tables: [string, Row[]][] = [
    ["names in graph-node's tests", GRAPH_NODE_TESTS],
    ["capitalised words meet no lower-case rule", CAPITALISED_WORDS],
    ["lower-case names meet the lower-case rules", LOWER_CASE_NAMES],
    ["camelCase splits words as Inflector does", CAMEL_CASE],
    ["our schema's entities keep their names", OUR_SCHEMA],
  ];
  for (const [title, rows] of tables) {
    test(title, () => {
      const actual = rows.map(([name]) => [name, rootFieldNames(name).singular, rootFieldNames(name).plural]);
      assert.deepEqual(actual, rows);
    });
  }

  test("the API schema's Query type has graph-node's field names", () => {
    const model = parseSubgraphSchema(`
      type Person @entity { id: ID! }
      type Sheep @entity { id: ID! }
    `);
    const query = apiSchemaFor(model).schema.getQueryType() as GraphQLObjectType;
    const fields = Object.keys(query.getFields());
    assert.ok(fields.includes("persons") && fields.includes("sheeps"), fields.join(", "));
    assert.ok(!fields.includes("people") && !fields.includes("sheep_collection"), fields.join(", "));
  });
});
