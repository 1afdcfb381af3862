// The other half of sync-rpc.ts: performs each JSON-RPC request asynchronously and wakes the
// waiting thread when the reply is on the port.
import { workerData } from "node:worker_threads";

const { port, signal } = workerData;
port.on("message", async ({ url, body, timeoutMs }) => {
  let reply;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    reply = { status: response.status, text: await response.text() };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
