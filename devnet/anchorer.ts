// Keeps state roots flowing both ways on the development network, as the organization does on
// real chains: whenever a chain has moved past the height last anchored for it, its head (minus
// `confirmations`) is anchored on the other chain's Anchor by the organization's owner.
import type { JsonRpcProvider } from "ethers";
import { anchorContract, anchorStateRoot, latestAnchoredHeight } from "../chain/anchoring.ts";
import { headBlockNumber } from "../chain/blocks.ts";
import type { Deployment } from "../chain/deployment-file.ts";
import { devWallet, ROLE_INDEX } from "./accounts.ts";

export interface AnchorerOptions {
  deployment: Deployment;
  providers: { origin: JsonRpcProvider; auxiliary: JsonRpcProvider };
  intervalMs?: number;
  confirmations?: number;
  onAnchor?: (direction: "origin→auxiliary" | "auxiliary→origin", height: number) => void;
  onError?: (error: Error) => void;
}

export interface Anchorer {
  /** Anchors both directions once, if there is anything new. */
  anchorOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startAnchorer(options: AnchorerOptions): Anchorer {
  const { deployment, providers } = options;
  const confirmations = options.confirmations ?? 0;
  const directions = [
    { name: "origin→auxiliary" as const, source: providers.origin, target: "auxiliary" as const },
    { name: "auxiliary→origin" as const, source: providers.auxiliary, target: "origin" as const },
  ];
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  async function anchorDirection(direction: (typeof directions)[number]): Promise<void> {
    const signer = devWallet(ROLE_INDEX.owner, providers[direction.target]);
    const anchorAddress = deployment[direction.target].contracts.anchor;
    const height = (await headBlockNumber(direction.source)) - confirmations;
    if (height <= (await latestAnchoredHeight(anchorContract(anchorAddress, signer)))) return;
    await anchorStateRoot(direction.source, { anchorAddress, signer }, height);
    options.onAnchor?.(direction.name, height);
  }

  const anchorOnce = () => {
    // One pass at a time: heights on an Anchor must rise.
    pass = pass.then(async () => {
      for (const direction of directions) {
        if (stopped) return;
        try {
          await anchorDirection(direction);
        } catch (error) {
          options.onError?.(error as Error);
        }
      }
    });
    return pass;
  };
  const timer = setInterval(() => void anchorOnce(), options.intervalMs ?? 1000);
  return {
    anchorOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
