// What a node's refusal means for a transaction, by the texts nodes use (geth, anvil, erigon,
// nethermind word them alike). The kind decides the next move: wait, bump, pick a new nonce, fail.
export type RpcErrorKind =
  "alreadyKnown" | "nonceTooLow" | "underpriced" | "insufficientFunds" | "revert" | "network" | "unknown";

const PATTERNS: [RpcErrorKind, RegExp][] = [
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
