import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".devnet/",
      ".scratch/",
      "subgraph/src/",
      "subgraph/generated/",
      "subgraph/build/",
      "tests/fixtures/*-subgraph/*.ts",
      "executor/bookkeeping/generated/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
