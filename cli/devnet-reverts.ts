// npm run devnet:reverts: reverts for the facilitator to complete, on a running development network
// (npm start, or npm run devnet:deploy with an anchorer): fresh users stake (redeem) directly at the
// gateway (cogateway), confirm their own intent on the other chain and revert it. Messages made
// through the OSTComposer or the RedeemPool cannot be reverted (their sender is a proxy without a
// revert function), so direct messages are the only reverts there are.
import path from "node:path";
import { parseArgs } from "node:util";
import { parseEther, Wallet, type HDNodeWallet } from "ethers";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { connectChain } from "../chain/provider.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import {
  grantBaseToken,
  mintDirectly,
  redeemAndRevert,
  stakeAndRevert,
  type ProvingChains,
} from "../devnet/direct-flows.ts";
import { mined } from "../chain/receipts.ts";
import { runCommand, wholeNumber } from "./command.ts";

const DEFAULT_DEPLOYMENT_FILE = ".devnet/deployment.json";
const STAKE = parseEther("100");
const REDEEM = parseEther("40");
const TERMS = { gasPrice: 0n, gasLimit: 0n };
/** The funder of the fresh users: the development user after the demo's own funder. */
const FUNDER_INDEX = FIRST_USER_INDEX + 1;

const HELP = `Usage: npm run devnet:reverts -- [options]

Produces reverts for the facilitator on a running development network (npm start, whose anchorer
anchors both chains): each stake is made directly at the gateway by a fresh user, confirmed on
auxiliary by that user and reverted with revertStake; each redeem likewise at the cogateway (the
user first mints its utility tokens with a direct stake it finishes itself) and reverted with
revertRedeem. The facilitator then confirms and progresses each revert; \`npm run facilitator --
status <message hash>\` shows where it stands. Requests made through the OSTComposer or the
RedeemPool cannot be reverted: their sender, the StakerProxy or RedeemerProxy, has no revert function.

Options:
  --deployment-file <path>   the development network's deployment file (default ${DEFAULT_DEPLOYMENT_FILE})
  --stakes <n>               direct stakes to revert (default 1)
  --redeems <n>              direct redeems to revert (default 1)
  -h, --help                 show this help
`;

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "deployment-file": { type: "string" },
      stakes: { type: "string" },
      redeems: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  return {
    help: values.help ?? false,
    deploymentFile: path.resolve(values["deployment-file"] ?? DEFAULT_DEPLOYMENT_FILE),
    stakes: wholeNumber("stakes", values.stakes, 0, 50) ?? 1,
    redeems: wholeNumber("redeems", values.redeems, 0, 50) ?? 1,
  };
}

/** Fresh users with ether on both chains, value token, and base token for bounty and penalty. */
async function freshUsers(net: ProvingChains, count: number): Promise<HDNodeWallet[]> {
  const users = Array.from({ length: count }, () => Wallet.createRandom());
  const onOrigin = devWallet(FUNDER_INDEX, net.origin.provider);
  const onAuxiliary = devWallet(FUNDER_INDEX, net.auxiliary.provider);
  const { valueToken } = bindOrigin(net.deployment, onOrigin);
  for (const user of users) {
    await mined(onOrigin.sendTransaction({ to: user.address, value: parseEther("1") }));
    await mined(onAuxiliary.sendTransaction({ to: user.address, value: parseEther("1") }));
    await mined(valueToken.transfer(user.address, STAKE));
    await grantBaseToken(net, devWallet(ROLE_INDEX.owner), user.address, parseEther("10"));
  }
  return users;
}

async function run(options: ReturnType<typeof readOptions>): Promise<number> {
  const deployment = readDeploymentFile(options.deploymentFile);
  const net: ProvingChains = {
    deployment,
    origin: { provider: connectChain(deployment.origin.rpcUrl, deployment.origin.chainId) },
    auxiliary: { provider: connectChain(deployment.auxiliary.rpcUrl, deployment.auxiliary.chainId) },
  };
  const stakers = await freshUsers(net, options.stakes);
  const redeemers = await freshUsers(net, options.redeems);
  for (const staker of stakers) {
    const { stake, penalty } = await stakeAndRevert(net, staker, {
      amount: STAKE,
      beneficiary: staker.address,
      ...TERMS,
    });
    console.log(`stake ${stake.messageHash} reverted by ${staker.address} (penalty ${penalty} base token)`);
  }
  for (const redeemer of redeemers) {
    await mintDirectly(net, redeemer, { amount: STAKE, beneficiary: redeemer.address, ...TERMS });
    const { redeem, penalty } = await redeemAndRevert(net, redeemer, {
      amount: REDEEM,
      beneficiary: redeemer.address,
      ...TERMS,
    });
    console.log(`redeem ${redeem.messageHash} reverted by ${redeemer.address} (penalty ${penalty} wei)`);
  }
  return 0;
}

runCommand({ name: "devnet:reverts", help: HELP, parse: readOptions, run });
