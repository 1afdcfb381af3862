// A reorganisation of the origin chain: the indexer notices the recorded hash is gone, reverts the
// entities to the fork point and indexes the new branch; the result equals a fresh index.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph, startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { dumpEntities } from "./helpers/entity-dump.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { acceptStake, requestStake } from "./helpers/manual-flows.ts";

type Row = Record<string, unknown>;
const request = (beneficiary: number) => ({
  amount: parseEther("10"),
  beneficiary: devWallet(beneficiary).address,
  gasPrice: 0n,
  gasLimit: 0n,
});

let net: DevNetwork;
let host: IndexerHost;
before(async () => {
  net = await startDevNetwork();
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  host = await startIndexerHost({ subgraphs: [origin!] });
});
after(async () => {
  await host?.stop();
  await net?.stop();
});

test("a reorg rolls the entities back and indexes the new branch", { timeout: 120_000 }, async () => {
  const url = host.httpUrl(SUBGRAPH_NAMES.origin);
  const requests = async () => {
    await host.syncAll();
    const data = await graphql<{ stakeRequests: Row[] }>(
      url,
      `
        {
          stakeRequests(orderBy: staker) {
            staker
            status
            message {
              id
            }
          }
        }
      `,
    );
    return data.stakeRequests;
  };
  const byStaker = (rows: Row[]) =>
    [...rows].sort((a, b) => String(a.staker).localeCompare(String(b.staker)));
  const kept = await requestStake(net, devWallet(2), request(12));
  const snapshot = (await net.origin.provider.send("evm_snapshot", [])) as string;

  // The branch that will be abandoned: a second request, and the first one accepted.
  await requestStake(net, devWallet(3), request(13));
  const { stake } = await acceptStake(net, kept);
  const abandonedHead = await net.origin.provider.getBlockNumber();
  assert.deepEqual(
    await requests(),
    byStaker([
      { staker: devWallet(2).address.toLowerCase(), status: "Accepted", message: { id: stake.messageHash } },
      { staker: devWallet(3).address.toLowerCase(), status: "Requested", message: null },
    ]),
  );

  // The chain goes back to the snapshot and grows another, longer branch.
  assert.equal(await net.origin.provider.send("evm_revert", [snapshot]), true);
  await requestStake(net, devWallet(4), request(14));
  await net.origin.provider.send("anvil_mine", ["0x5"]);
  assert.ok((await net.origin.provider.getBlockNumber()) > abandonedHead);

  assert.deepEqual(
    await requests(),
    byStaker([
      { staker: devWallet(2).address.toLowerCase(), status: "Requested", message: null },
      { staker: devWallet(4).address.toLowerCase(), status: "Requested", message: null },
    ]),
  );
  const messages = await graphql<{ messages: Row[] }>(
    url,
    `
      {
        messages {
          id
        }
      }
    `,
  );
  assert.deepEqual(messages.messages, [], "the message of the abandoned branch is gone");
  const meta = await graphql<{ _meta: { block: { number: number; hash: string } } }>(
    url,
    `
      {
        _meta {
          block {
            number
            hash
          }
        }
      }
    `,
  );
  const head = await net.origin.provider.getBlock("latest");
  assert.deepEqual(meta._meta.block, { number: head!.number, hash: head!.hash });

  // The same entities as an index of the final chain from scratch.
  const indexed = host.subgraphs.get(SUBGRAPH_NAMES.origin)!;
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  const fresh = openSubgraph(origin!, {});
  try {
    await fresh.indexer.syncToHead();
    assert.deepEqual(dumpEntities(indexed.store, fresh.schema), dumpEntities(fresh.store, fresh.schema));
    assert.ok(dumpEntities(fresh.store, fresh.schema).StakeRequest!.length === 2);
  } finally {
    await closeSubgraph(fresh);
  }
});
