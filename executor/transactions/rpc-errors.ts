// What a node's refusal means for a transaction, by the texts nodes use (geth, anvil, erigon,
// nethermind word them alike). The kind decides the next move: wait, bump, pick a new nonce, fail.
export type RpcErrorKind =
  | "alreadyKnown"
  | "nonceTooLow"
  | "underpriced"
  | "insufficientFunds"
  | "revert"
  | "network"
  | PermanentRefusal
  | "unknown";

/**
 * Refusals that sending the same transaction again cannot change: its intent fails with the node's
 * words (a plan built afresh may succeed), and the nonce it held is reused or filled.
 */
export type PermanentRefusal =
  "unsupportedType" | "gasLimitTooHigh" | "gasLimitTooLow" | "feeCap" | "invalidTransaction";

/** A broadcast's failures that are not the node refusing the transaction. */
const NOT_REFUSALS = new Set<RpcErrorKind>(["alreadyKnown", "network", "unknown"]);

/** Whether the node refused the transaction itself (rather than knowing it, or not answering). */
export function isRefusal(kind: RpcErrorKind): boolean {
  return !NOT_REFUSALS.has(kind);
}

/**
 * Permanent refusals that hold for every attempt of an intent, which share the gas limit, the type
 * and the chain: no block takes any of them. (A fee cap is the node's own rule, and a bump's.)
 */
const EVERY_ATTEMPT = new Set<RpcErrorKind>([
  "gasLimitTooHigh",
  "gasLimitTooLow",
  "unsupportedType",
  "invalidTransaction",
]);

export function refusesEveryAttempt(kind: RpcErrorKind): boolean {
  return EVERY_ATTEMPT.has(kind);
}

const PATTERNS: [RpcErrorKind, RegExp][] = [
  // geth: "transaction type not supported"; anvil before London: "EIP-1559 style fee params … not supported".
  [
    "unsupportedType",
    /transaction type not supported|tx type not supported|not supported by the current hardfork/i,
  ],
  // geth: "exceeds block gas limit"; anvil: "tx.gas_limit > env.block.gas_limit".
  ["gasLimitTooHigh", /exceeds block gas limit|gas_?limit > .*block.?gas_?limit/i],
  // geth: "intrinsic gas too low"; anvil: "intrinsic gas too low" / "gas floor … too low" (EIP-7623).
  ["gasLimitTooLow", /intrinsic gas too low|floor data gas|gas floor/i],
  // geth's RPC fee cap ("tx fee (…) exceeds the configured cap"), fee fields out of range.
  ["feeCap", /exceeds the configured cap|fee per gas higher than|tip above fee cap/i],
  ["invalidTransaction", /invalid chain ?id|invalid sender|chain ?id mismatch|incorrect chain ?id/i],
  ["alreadyKnown", /already known|known transaction|already imported|transaction already in/i],
  ["nonceTooLow", /nonce too low|nonce is too low|old nonce|nonce has already been used/i],
  ["underpriced", /underpriced|fee too low|max fee per gas less than block base fee|gas price too low/i],
  ["insufficientFunds", /insufficient funds|insufficient balance/i],
  ["revert", /revert|execution reverted|invalid opcode|out of gas/i],
  ["network", /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|timeout|network/i],
];

export function classifyRpcError(error: unknown): RpcErrorKind {
  const text = errorText(error);
  for (const [kind, pattern] of PATTERNS) if (pattern.test(text)) return kind;
  return "unknown";
}

/** The node's own words, without the request (which holds the signed transaction). */
export function errorText(error: unknown): string {
  const nested = error as {
    error?: { message?: string };
    info?: { error?: { message?: string } };
    shortMessage?: string;
  };
  return (
    nested?.info?.error?.message ??
    nested?.error?.message ??
    nested?.shortMessage ??
    (error instanceof Error ? error.message : String(error))
  ).slice(0, 500);
}
