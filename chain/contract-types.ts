// Types for the contract functions this project calls, so that a misspelt method or a missing
// argument is a compile error rather than a revert. Only what is used is declared.
import type {
  BaseContractMethod,
  BigNumberish,
  BytesLike,
  Contract,
  ContractTransactionResponse,
} from "ethers";

type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;
type Send<A extends unknown[]> = BaseContractMethod<
  A,
  ContractTransactionResponse,
  ContractTransactionResponse
>;
type Payable<A extends unknown[]> = Send<[...A, { value: BigNumberish }]>;

type Address = string;
type Bytes32 = BytesLike;
type Uint = BigNumberish;

export type Erc20 = Contract & {
  balanceOf: View<[Address], bigint>;
  allowance: View<[Address, Address], bigint>;
  totalSupply: View<[], bigint>;
  approve: Send<[Address, Uint]>;
  transfer: Send<[Address, Uint]>;
};

export type MintableToken = Erc20 & { mint: Send<[Address, Uint]> };
export type UtilityToken = Erc20 & { setCoGateway: Send<[Address]> };

/** Whose workers may accept requests, and whose owner or admin may anchor. */
export type Organization = Contract & {
  isWorker: View<[Address], boolean>;
  isOrganization: View<[Address], boolean>;
};

/** A contract that names its Organization. */
type Organized = Contract & { organization: View<[], Address> };

export type Anchor = Organized & {
  getStateRoot: View<[Uint], string>;
  getLatestStateRootBlockHeight: View<[], bigint>;
  anchorStateRoot: Send<[Uint, Bytes32]>;
  setCoAnchorAddress: Send<[Address]>;
};

type GatewayBase = Contract & {
  MESSAGE_BOX_OFFSET: View<[], bigint>;
  bounty: View<[], bigint>;
  getNonce: View<[Address], bigint>;
  getOutboxMessageStatus: View<[Bytes32], bigint>;
  getInboxMessageStatus: View<[Bytes32], bigint>;
  /** (blockHeight, rlpAccount, rlpParentNodes) */
  proveGateway: Send<[Uint, BytesLike, BytesLike]>;
};

export type Gateway = GatewayBase & {
  stakeVault: View<[], Address>;
  /** The ERC-20 in which a stake's bounty is paid. */
  baseToken: View<[], Address>;
  activateGateway: Send<[Address]>;
  /** (redeemer, redeemerNonce, beneficiary, amount, gasPrice, gasLimit, blockHeight, hashLock, rlpParentNodes) */
  confirmRedeemIntent: Send<[Address, Uint, Address, Uint, Uint, Uint, Uint, Bytes32, BytesLike]>;
  progressStake: Send<[Bytes32, Bytes32]>;
  progressUnstake: Send<[Bytes32, Bytes32]>;
  /** A direct stake, sent by the staker: (amount, beneficiary, gasPrice, gasLimit, nonce, hashLock). */
  stake: Send<[Uint, Address, Uint, Uint, Uint, Bytes32]>;
  /** Only the message's sender; takes the penalty (1.5 bounties of base token) by transferFrom. */
  revertStake: Send<[Bytes32]>;
  /** The revert penalty of a message: 1.5 times its bounty. */
  penalty: View<[Bytes32], bigint>;
};

export type CoGateway = GatewayBase & {
  /** (staker, stakerNonce, beneficiary, amount, gasPrice, gasLimit, hashLock, blockHeight, rlpParentNodes) */
  confirmStakeIntent: Send<[Address, Uint, Address, Uint, Uint, Uint, Bytes32, Uint, BytesLike]>;
  progressMint: Send<[Bytes32, Bytes32]>;
  progressRedeem: Send<[Bytes32, Bytes32]>;
  /** A direct redeem, the bounty as value: (amount, beneficiary, gasPrice, gasLimit, nonce, hashLock). */
  redeem: Payable<[Uint, Address, Uint, Uint, Uint, Bytes32]>;
  /** Only the message's sender; the penalty (1.5 bounties of base coin) as value. */
  revertRedeem: Payable<[Bytes32]>;
  penalty: View<[Bytes32], bigint>;
};

export type OstComposer = Organized & {
  stakerProxies: View<[Address], Address>;
  /** Whether a stake request hash is open (requested, not yet accepted, revoked or rejected). */
  stakeRequests: View<[Bytes32], boolean>;
  /** The type hash at the head of a request's packed terms (see chain/request-hashes.ts). */
  STAKEREQUEST_INTENT_TYPEHASH: View<[], string>;
  /** (amount, beneficiary, gasPrice, gasLimit, nonce, gateway) */
  requestStake: Send<[Uint, Address, Uint, Uint, Uint, Address]>;
  /** (amount, beneficiary, gasPrice, gasLimit, nonce, staker, gateway, hashLock) */
  acceptStakeRequest: Send<[Uint, Address, Uint, Uint, Uint, Address, Address, Bytes32]>;
};

export type RedeemPool = Organized & {
  redeemerProxies: View<[Address], Address>;
  /** The open request hash of (redeemer, cogateway), zero when none. */
  redeemRequestHashes: View<[Address, Address], string>;
  /** (amount, beneficiary, gasPrice, gasLimit, nonce, redeemer, cogateway): the request's hash. */
  hashRedeemRequest: View<[Uint, Address, Uint, Uint, Uint, Address, Address], string>;
  /** (amount, beneficiary, gasPrice, gasLimit, nonce, cogateway) */
  requestRedeem: Send<[Uint, Address, Uint, Uint, Uint, Address]>;
  /** (amount, beneficiary, gasPrice, gasLimit, nonce, redeemer, cogateway, hashLock) + the bounty */
  acceptRedeemRequest: Payable<[Uint, Address, Uint, Uint, Uint, Address, Address, Bytes32]>;
};
