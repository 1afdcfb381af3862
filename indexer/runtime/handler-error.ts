// The deterministic failure of a handler (graph-node's DeterministicHostError): it fails the
// subgraph at its block. Any other error is taken as a fault of the node and the block is retried.
export class HandlerError extends Error {
  override name = "HandlerError";
}
