// npm run contracts:build — recompiles chain/contracts/MintableToken.sol into chain/artifacts.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileMintableToken, TOKEN_ARTIFACT_PATH } from "../chain/token-compiler.ts";

const artifact = compileMintableToken();
writeFileSync(TOKEN_ARTIFACT_PATH, `${JSON.stringify(artifact, null, 2)}\n`);
console.log(
  `wrote ${fileURLToPath(TOKEN_ARTIFACT_PATH)} (${(artifact.bytecode.length - 2) / 2} bytes of bytecode)`,
);
