// A stakeRequest row as a subgraph answers it to `facilitator status`: well formed, Requested,
// with the fields a test changes given.
export const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
export const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

export function stakeRequestRow(id: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    status: "Requested",
    amount: "5000",
    beneficiary: address(1),
    gasPrice: "1",
    gasLimit: "200000",
    nonce: "0",
    requestedBlock: "3",
    acceptedBlock: null,
    revokedBlock: null,
    rejectedBlock: null,
    message: null,
    staker: address(1),
    stakerProxy: address(2),
    gateway: address(3),
    ...changes,
  };
}
