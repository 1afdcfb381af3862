// Compiles the project's own Solidity token with the solc npm compiler. The artifact is checked in
// (chain/artifacts) so that deploying never waits for the compiler; a test recompiles and compares.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const TOKEN_SOURCE_PATH = new URL("./contracts/MintableToken.sol", import.meta.url);
export const TOKEN_ARTIFACT_PATH = new URL("./artifacts/MintableToken.json", import.meta.url);

export interface CompiledContract {
  contractName: string;
  compiler: string;
  abi: unknown[];
  bytecode: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

export function compileMintableToken(): CompiledContract {
  const solc = require("solc") as { compile(input: string): string; version(): string };
  const input = {
    language: "Solidity",
    sources: { "MintableToken.sol": { content: readFileSync(TOKEN_SOURCE_PATH, "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      // No metadata hash: the bytecode then depends on the source and settings only.
      metadata: { bytecodeHash: "none" },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(
      `MintableToken.sol does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`,
    );
  }
  const contract = output.contracts["MintableToken.sol"]?.["MintableToken"];
  if (!contract) throw new Error("solc produced no MintableToken contract");
  return {
    contractName: "MintableToken",
    compiler: solc.version(),
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
  };
}
