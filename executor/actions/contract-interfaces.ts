// The contract interfaces the actions call, parsed once: a Contract made from an ABI parses it on
// every construction, and the actions make one per precondition and per send.
import { Interface } from "ethers";
import { mosaicAbi, tokenArtifact } from "../../chain/mosaic-artifacts.ts";

export const GATEWAY = new Interface(mosaicAbi("EIP20Gateway"));
export const CO_GATEWAY = new Interface(mosaicAbi("EIP20CoGateway"));
export const COMPOSER = new Interface(mosaicAbi("OSTComposer"));
export const REDEEM_POOL = new Interface(mosaicAbi("RedeemPool"));
export const ANCHOR = new Interface(mosaicAbi("Anchor"));
export const TOKEN = new Interface(tokenArtifact().abi);
