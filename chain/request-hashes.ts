// The hash an OSTComposer gives a stake request, from its terms: the composer keys its open requests
// by it, so terms that do not hash to a request's id are not that request's terms. (The RedeemPool
// has a public `hashRedeemRequest` for the same check on redeems.)
import { AbiCoder, id, keccak256, solidityPacked } from "ethers";

export interface StakeRequestTerms {
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  staker: string;
  gateway: string;
}

/** The composer's EIP-712 domain: its own address is the only field. */
function domainSeparator(composer: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "address"],
      [id("EIP712Domain(address verifyingContract)"), composer],
    ),
  );
}

/**
 * EIP-712 typed-data hash of the terms, packed after the composer's type hash in the order
 * requestStake takes them, under the composer's domain.
 */
export function stakeRequestHash(composer: string, typeHash: string, terms: StakeRequestTerms): string {
  const struct = keccak256(
    solidityPacked(
      ["bytes32", "uint256", "address", "uint256", "uint256", "uint256", "address", "address"],
      [
        typeHash,
        terms.amount,
        terms.beneficiary,
        terms.gasPrice,
        terms.gasLimit,
        terms.nonce,
        terms.staker,
        terms.gateway,
      ],
    ),
  );
  return keccak256(
    solidityPacked(
      ["bytes1", "bytes1", "bytes32", "bytes32"],
      ["0x19", "0x01", domainSeparator(composer), struct],
    ),
  );
}
