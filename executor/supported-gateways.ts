// `supportedGateways` in the executor's configuration: the gateway pairs one executor serves. A
// list of pairs of the deployment file (every pair when left out); the older single object
// ({gateway, coGateway}, each defaulting to the deployment's first pair) still names one pair.
import { gatewayPairs, type Deployment } from "../chain/deployment-file.ts";
import { configAddress, type Fail } from "./config-address.ts";

/** A served pair: an EIP20Gateway on origin and its EIP20CoGateway on auxiliary. */
export interface ServedPair {
  gateway: string;
  coGateway: string;
}

const FIELD = "supportedGateways";
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const describePair = (pair: ServedPair) => `gateway ${pair.gateway} with coGateway ${pair.coGateway}`;

/** The pairs served, validated entry by entry; `fail` throws the configuration's error. */
export function readSupportedGateways(value: unknown, deployment: Deployment, fail: Fail): ServedPair[] {
  const pairs = gatewayPairs(deployment).map(({ gateway, coGateway }) => ({ gateway, coGateway }));
  if (value === undefined) return pairs;
  if (isObject(value)) {
    const first = pairs[0]!;
    return [
      {
        gateway: configAddress(value.gateway ?? first.gateway, `${FIELD}.gateway`, fail),
        coGateway: configAddress(value.coGateway ?? first.coGateway, `${FIELD}.coGateway`, fail),
      },
    ];
  }
  if (!Array.isArray(value) || value.length === 0) {
    fail(
      FIELD,
      `expected a list of one or more gateway pairs ([{"gateway": "0x…", "coGateway": "0x…"}]) of the deployment file, or nothing to serve every pair; got ${JSON.stringify(value)}`,
    );
  }
  const served: ServedPair[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `${FIELD}[${index}]`;
    if (!isObject(entry)) {
      fail(where, `expected an object {gateway, coGateway}, got ${JSON.stringify(entry)}`);
    }
    const pair = {
      gateway: configAddress(entry.gateway, `${where}.gateway`, fail),
      coGateway: configAddress(entry.coGateway, `${where}.coGateway`, fail),
    };
    if (!pairs.some((known) => known.gateway === pair.gateway && known.coGateway === pair.coGateway)) {
      fail(
        where,
        `${describePair(pair)} is not a gateway pair of the deployment file (its pairs: ${pairs.map(describePair).join("; ")})`,
      );
    }
    if (served.some((known) => known.gateway === pair.gateway)) fail(where, "the pair is listed twice");
    served.push(pair);
  });
  return served;
}
