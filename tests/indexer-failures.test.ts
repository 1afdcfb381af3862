// A mapping that traps or aborts fails the subgraph at that block: the block's writes are dropped,
// _meta reports the error, indexing stops there, and the API keeps answering.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toQuantity } from "ethers";
import { anchorStateRoot, anchorContract, latestAnchoredHeight } from "../chain/anchoring.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { builtTrappingSubgraph, TRAPPING_DATA_SOURCE } from "./helpers/trapping-subgraph.ts";

type Row = Record<string, unknown>;

describe("a failing mapping", { timeout: 120_000 }, () => {
  let net: DevNetwork;
  let manifest: string;
  const hosts: IndexerHost[] = [];

  /** Anchors the first auxiliary height above the anchored ones with height % 7 == rest. */
  async function anchorHeightWithRest(rest: number): Promise<{ height: number; originBlock: number }> {
    const anchor = anchorContract(net.deployment.origin.contracts.anchor, net.origin.provider);
    let height = (await latestAnchoredHeight(anchor)) + 1;
    while (height % 7 !== rest) height++;
    const head = await net.auxiliary.provider.getBlockNumber();
    if (head < height) await net.auxiliary.provider.send("anvil_mine", [toQuantity(height - head)]);
    const anchored = await anchorStateRoot(
      net.auxiliary.provider,
      {
        anchorAddress: net.deployment.origin.contracts.anchor,
        signer: devWallet(ROLE_INDEX.owner, net.origin.provider),
      },
      height,
    );
    const receipt = await net.origin.provider.getTransactionReceipt(anchored.transactionHash);
    return { height, originBlock: receipt!.blockNumber };
  }

  async function host(
    startBlock: number,
  ): Promise<{ host: IndexerHost; query: (q: string) => Promise<Row> }> {
    const started = await startIndexerHost({
      subgraphs: [
        {
          name: "trapping",
          manifestFile: manifest,
          rpcUrl: net.origin.rpcUrl,
          chainId: net.origin.chainId,
          sources: {
            [TRAPPING_DATA_SOURCE]: { address: net.deployment.origin.contracts.anchor, startBlock },
          },
          databaseFile: ":memory:",
        },
      ],
    });
    hosts.push(started);
    const query = async (text: string) => {
      await started.syncAll();
      const response = await fetch(started.httpUrl("trapping"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: text }),
      });
      return (await response.json()) as Row;
    };
    return { host: started, query };
  }

  before(async () => {
    manifest = await builtTrappingSubgraph();
    net = await startDevNetwork();
  });
  after(async () => {
    for (const started of hosts) await started.stop();
    await net?.stop();
  });

  test("a trap fails the subgraph at its block and the API keeps serving", async () => {
    const { query } = await host(net.deployment.origin.deploymentBlock);
    const first = await anchorHeightWithRest(2);
    assert.deepEqual(await query(`{ roots { height } }`), {
      data: { roots: [{ height: String(first.height) }] },
    });

    const trapped = await anchorHeightWithRest(0);
    const meta = (
      await query(
        `{ _meta { block { number } hasIndexingErrors indexingError { message handler block { number } } } }`,
      )
    ).data as Row;
    const { block, hasIndexingErrors, indexingError } = meta._meta as Row;
    assert.equal(hasIndexingErrors, true);
    assert.deepEqual(block, { number: trapped.originBlock });
    assert.equal((indexingError as Row).handler, "handleStateRootAvailable");
    assert.deepEqual((indexingError as Row).block, { number: trapped.originBlock });
    assert.match(
      String((indexingError as Row).message),
      /Anchor\.handleStateRootAvailable at block \d+ .*unreachable/,
    );

    // graph-node's error policy: data is withheld unless the query allows errors.
    assert.deepEqual(await query(`{ roots { height } }`), { errors: [{ message: "indexing_error" }] });
    const allowed = await query(`{ roots(subgraphError: allow) { height } }`);
    assert.deepEqual(
      allowed.data,
      { roots: [{ height: String(first.height) }] },
      "the trapped block wrote nothing",
    );
    assert.deepEqual(allowed.errors, [{ message: "indexing_error" }]);
    const before = await query(`{ roots(block: { number: ${first.originBlock} }) { height } }`);
    assert.deepEqual(
      before,
      { data: { roots: [{ height: String(first.height) }] } },
      "earlier blocks are unaffected",
    );

    // Indexing stops at the failed block.
    await anchorHeightWithRest(3);
    const after = (await query(`{ _meta { block { number } } }`)).data as Row;
    assert.deepEqual(after._meta, { block: { number: trapped.originBlock } });
  });

  test("an abort (a failed assert) fails the subgraph with its message", async () => {
    const fromHere = (await net.origin.provider.getBlockNumber()) + 1;
    const { query } = await host(fromHere);
    const kept = await anchorHeightWithRest(4);
    const aborted = await anchorHeightWithRest(1);
    const meta = (
      (await query(`{ _meta { hasIndexingErrors indexingError { message block { number } } } }`)).data as Row
    )._meta as Row;
    assert.equal(meta.hasIndexingErrors, true);
    assert.match(
      String((meta.indexingError as Row).message),
      new RegExp(`abort: height ${aborted.height} is refused`),
    );
    assert.deepEqual((meta.indexingError as Row).block, { number: aborted.originBlock });
    const allowed = await query(`{ roots(subgraphError: allow) { height } }`);
    assert.deepEqual(allowed.data, { roots: [{ height: String(kept.height) }] });
  });
});
