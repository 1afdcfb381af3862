// The real Mosaic contracts, as built and published in @openst/mosaic-contracts@0.12.0, plus the
// project's own mintable ERC-20. This module is the only place that knows where artifacts live.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Interface, type InterfaceAbi } from "ethers";
import { TOKEN_ARTIFACT_PATH, type CompiledContract } from "./token-compiler.ts";

const require = createRequire(import.meta.url);

export type MosaicContractName =
  | "Anchor"
  | "EIP20Gateway"
  | "EIP20CoGateway"
  | "GatewayLib"
  | "MerklePatriciaProof"
  | "MessageBus"
  | "Organization"
  | "OSTComposer"
  | "RedeemPool"
  | "UtilityToken"
  | "StakerProxy"
  | "RedeemerProxy";

interface RawArtifact {
  abi: InterfaceAbi;
  bin: string;
}

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

const mosaicBuild = require("@openst/mosaic-contracts/dist/contract_build/contracts.json") as Record<
  string,
  RawArtifact
>;

/** Libraries are deployed and linked, never called, and their ABIs hold `storage` parameter types
 * that ethers rejects; they get an empty ABI. */
const LIBRARIES = new Set<MosaicContractName>(["MerklePatriciaProof", "MessageBus", "GatewayLib"]);

export function mosaicArtifact(name: MosaicContractName): Artifact {
  const raw = mosaicBuild[name];
  if (!raw) throw new Error(`@openst/mosaic-contracts has no contract named ${name}`);
  return { abi: LIBRARIES.has(name) ? [] : raw.abi, bytecode: raw.bin };
}

export function mosaicAbi(name: MosaicContractName): InterfaceAbi {
  return mosaicArtifact(name).abi;
}

const interfaces = new Map<MosaicContractName, Interface>();

/**
 * A contract's ABI parsed once, for the contracts made over and over (per precondition, per send,
 * per proof): a Contract made from a bare ABI parses it on every construction.
 */
export function mosaicInterface(name: MosaicContractName): Interface {
  let parsed = interfaces.get(name);
  if (!parsed) interfaces.set(name, (parsed = new Interface(mosaicAbi(name))));
  return parsed;
}

/** The names of the libraries whose placeholders (`__Name___…`, 40 characters) a bytecode holds. */
export function unlinkedLibraries(bytecode: string): string[] {
  const names = new Set<string>();
  for (const match of bytecode.matchAll(/__([A-Za-z][A-Za-z0-9]*)__+/g)) {
    if (match[1]) names.add(match[1]);
  }
  return [...names];
}

/** Replaces each library placeholder with its deployed address; fails naming any left unlinked. */
export function linkBytecode(bytecode: string, libraries: Record<string, string>): string {
  let linked = bytecode;
  for (const [name, address] of Object.entries(libraries)) {
    const placeholder = `__${name}`.padEnd(40, "_");
    linked = linked.split(placeholder).join(address.toLowerCase().replace(/^0x/, ""));
  }
  const missing = unlinkedLibraries(linked);
  if (missing.length > 0) throw new Error(`bytecode still needs the libraries: ${missing.join(", ")}`);
  return linked;
}

let tokenParsed: Interface | undefined;

/** The token's ABI, read and parsed once (see mosaicInterface). */
export function tokenInterface(): Interface {
  return (tokenParsed ??= new Interface(tokenArtifact().abi));
}

export function tokenArtifact(): Artifact & Pick<CompiledContract, "compiler"> {
  const compiled = JSON.parse(readFileSync(TOKEN_ARTIFACT_PATH, "utf8")) as CompiledContract;
  return { abi: compiled.abi as InterfaceAbi, bytecode: compiled.bytecode, compiler: compiled.compiler };
}
