/**
 * Shared fixture of the contract tests: one in-process Hardhat network per test file, the program
 * deployed as production wires it (forwarder, points with its operator, reward catalog holding
 * REDEEMER_ROLE, tier thresholds, inactivity period) and two merchants onboarded.
 *
 * Usage, at the top of a test file:
 *   const ctx = await programContext();
 *   it("...", async () => { const p = await ctx.load(); ... });
 */
import { network } from "hardhat";
import {
  getAddress,
  keccak256,
  parseEventLogs,
  toHex,
  type Abi,
  type Address,
  type Hash,
} from "viem";
import { DEFAULT_ADMIN_ROLE, DEFAULT_PROGRAM, encodeTokenId, MERCHANT_ROLE, PAUSER_ROLE, REDEEMER_ROLE } from "../../../contracts/spec/index.ts";

export { ZERO_ADDRESS } from "../../../contracts/spec/index.ts";
export const DAY = 24n * 60n * 60n;
export const YEAR = 365n * DAY;
export const TIER_THRESHOLDS = DEFAULT_PROGRAM.tierThresholds;
export const MERCHANT_ALLOWANCE = 1_000_000n;
export const TOKEN_NAME = DEFAULT_PROGRAM.tokenName;
export const TOKEN_SYMBOL = DEFAULT_PROGRAM.tokenSymbol;
export const MAX_UINT256 = 2n ** 256n - 1n;

/** A purchase or campaign reference, as merchants build them (hash of a label). */
export const ref = (label: string) => keccak256(toHex(label));

/** Token id of the `serial`-th token of reward `rewardId`. */
export const tokenIdOf = encodeTokenId;

export async function programContext() {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [operator, merchantA, merchantB, alice, bob, carol, relayer, keeper, charity, outsider] = wallets;
  const accounts = {
    operator: getAddress(operator.account.address),
    merchantA: getAddress(merchantA.account.address),
    merchantB: getAddress(merchantB.account.address),
    alice: getAddress(alice.account.address),
    bob: getAddress(bob.account.address),
    carol: getAddress(carol.account.address),
    relayer: getAddress(relayer.account.address),
    keeper: getAddress(keeper.account.address),
    charity: getAddress(charity.account.address),
    outsider: getAddress(outsider.account.address),
  };

  async function deployProgram() {
    const forwarder = await viem.deployContract("LoyaltyForwarder");
    const points = await viem.deployContract("LoyaltyPoints", [
      TOKEN_NAME,
      TOKEN_SYMBOL,
      accounts.operator,
      forwarder.address,
    ]);
    const rewards = await viem.deployContract("RewardNFT", [points.address, forwarder.address]);
    await points.write.grantRole([REDEEMER_ROLE, rewards.address]);
    await points.write.setTierThresholds([TIER_THRESHOLDS]);
    await points.write.setInactivityPeriod([YEAR]);
    await points.write.onboardMerchant([accounts.merchantA, "Boulangerie Dupont", MERCHANT_ALLOWANCE]);
    await points.write.onboardMerchant([accounts.merchantB, "Librairie Martin", MERCHANT_ALLOWANCE]);
    await points.write.registerCharity([accounts.charity, "Restos du Coeur"]);
    const roles = { admin: DEFAULT_ADMIN_ROLE, merchant: MERCHANT_ROLE, pauser: PAUSER_ROLE, redeemer: REDEEMER_ROLE };
    return { forwarder, points, rewards, roles };
  }

  /** Decoded args of every `eventName` log that `contract` emitted in transaction `hash`. */
  async function eventsOf(hash: Hash, contract: { abi: Abi; address: Address }, eventName: string) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return parseEventLogs({ abi: contract.abi, logs: receipt.logs, eventName })
      .filter((log) => getAddress(log.address) === getAddress(contract.address))
      .map((log) => log.args as Record<string, unknown>);
  }

  async function timestampOf(hash: Hash) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    return block.timestamp;
  }

  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    wallets,
    accounts,
    wallet: { operator, merchantA, merchantB, alice, bob, carol, relayer, keeper, charity, outsider },
    deployProgram,
    load: () => networkHelpers.loadFixture(deployProgram),
    eventsOf,
    timestampOf,
  };
}

export type ProgramContext = Awaited<ReturnType<typeof programContext>>;
export type Program = Awaited<ReturnType<ProgramContext["deployProgram"]>>;
