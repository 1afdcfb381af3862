// Starts a development network in a process of its own and reports anvil's process ids, then waits
// to be killed: the test that kills it checks that no anvil outlives it.
import { startDevNetwork } from "../../devnet/network.ts";

const [originChainId, auxiliaryChainId] = process.argv.slice(2).map(Number);
const net = await startDevNetwork({ originChainId, auxiliaryChainId });
process.stdout.write(`${JSON.stringify({ pids: [net.origin.pid, net.auxiliary.pid] })}\n`);
setInterval(() => undefined, 60_000);
