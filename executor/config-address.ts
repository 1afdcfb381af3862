// An address in the executor's configuration, shared by the fields that list addresses
// (`supportedGateways`, `anchoring.anchorers`).
import { getAddress, isAddress } from "ethers";

/** Throws the configuration's error for a field. */
export type Fail = (field: string, message: string) => never;

/** Checksummed; any case is accepted (a wrong checksum too), as the deployment file does. */
export function configAddress(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== "string" || !isAddress(value.toLowerCase())) {
    fail(field, `expected a 0x-prefixed 20-byte address, got ${JSON.stringify(value)}`);
  }
  return getAddress(value.toLowerCase());
}
