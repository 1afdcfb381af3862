// `facilitator start` as a process of its own, opened with the test stack's password and passphrase.
import { spawnFacilitator, type ExecutorProcess } from "../../devnet/faults/executor-process.ts";
import { KEYSTORE_PASSWORD, SECRETS_PASSPHRASE } from "./executor-stack.ts";

export type { ExecutorProcess };

export function spawnExecutor(configFile: string): ExecutorProcess {
  return spawnFacilitator(configFile, {
    keystorePassword: KEYSTORE_PASSWORD,
    secretsPassphrase: SECRETS_PASSPHRASE,
  });
}
