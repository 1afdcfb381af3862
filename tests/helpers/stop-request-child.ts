// A service that waits for a stop request (cli/command.ts) and says why it stopped.
import { stopRequested } from "../../cli/command.ts";

console.log("waiting");
console.log(`stopped: ${await stopRequested()}`);
process.exit(0);
