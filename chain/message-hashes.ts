// The hash a gateway gives the message an accepted request declares, from the request's terms, the
// sender the gateway sees (the request's StakerProxy or RedeemerProxy) and the hash lock. A hash
// lock is public from the accept on, so anyone can declare another message under it: only the
// message whose hash this is was declared by the accept.
// MessageBus and GatewayLib hash their type strings ABI-encoded (keccak256(abi.encode("...")), not
// keccak256 of the bare string as EIP-712 does), and the structs with abi.encode.
import { AbiCoder, keccak256 } from "ethers";

export interface MessageTerms {
  amount: bigint;
  beneficiary: string;
  /** The gateway the message is declared at: EIP20Gateway for a stake, EIP20CoGateway for a redeem. */
  gateway: string;
  nonce: bigint;
  gasPrice: bigint;
  gasLimit: bigint;
  /** The message's sender: the proxy that staked or redeemed. */
  sender: string;
  hashLock: string;
}

const abi = AbiCoder.defaultAbiCoder();

function typeHash(type: string): string {
  return keccak256(abi.encode(["string"], [type]));
}

const STAKE_INTENT = typeHash("StakeIntent(uint256 amount,address beneficiary,address gateway)");
const REDEEM_INTENT = typeHash("RedeemIntent(uint256 amount,address beneficiary,address gateway)");
const MESSAGE = typeHash(
  "Message(bytes32 intentHash,uint256 nonce,uint256 gasPrice,uint256 gasLimit,address sender,bytes32 hashLock)",
);

/** The message hash of a stake (kind "stake") or a redeem, lower case. */
export function messageHash(kind: "stake" | "redeem", terms: MessageTerms): string {
  const intent = keccak256(
    abi.encode(
      ["bytes32", "uint256", "address", "address"],
      [kind === "stake" ? STAKE_INTENT : REDEEM_INTENT, terms.amount, terms.beneficiary, terms.gateway],
    ),
  );
  return keccak256(
    abi.encode(
      ["bytes32", "bytes32", "uint256", "uint256", "uint256", "address", "bytes32"],
      [MESSAGE, intent, terms.nonce, terms.gasPrice, terms.gasLimit, terms.sender, terms.hashLock],
    ),
  ).toLowerCase();
}
