/**
 * Pause means pause: every state-changing function of LoyaltyPoints and RewardNFT against the
 * emergency pause (see behaviour.ts). The rule being tested, also in the contracts' NatSpec and the
 * README: while paused, nothing a member, a merchant, an agent, the migrator or a keeper does goes
 * through (balances, approvals and permits, issuance and refunds, agents, the catalog, mints,
 * redemptions, vouchers, migrations, expiry, and the operator's refunds for former merchants); the
 * operator's administration keeps working, so that it can respond (offboard a merchant, revoke a
 * role, pause a reward, extend the inactivity period) before lifting the pause.
 */
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { DAY, programContext, ref, tokenIdOf, YEAR } from "../../contracts/helpers/program.ts";
import { createReward, metadata, terms } from "../../contracts/helpers/rewards.ts";
import { signAccountMigration, signPermit, signTokenMigration, signVoucher } from "../../contracts/helpers/signatures.ts";
import { shouldRespectThePause, type PauseCase } from "./behaviour.ts";
import { MIGRATOR_ROLE, REDEEMER_ROLE } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers, publicClient } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { operator, merchantA, merchantB, alice, bob, carol, relayer, keeper, charity, outsider } = accounts;

/**
 * Alice holds 1,000 points and token #1 of reward 1 (bob approved to spend 100 of her points),
 * bob 500 points; the relayer is merchant A's agent and the migrator; keeper holds REDEEMER_ROLE
 * (to call burnForRedemption directly); reward 2 is merchant A's mint-only reward.
 */
async function withActivity() {
  const program = await ctx.deployProgram();
  const { points, rewards } = program;
  await points.write.grantRole([MIGRATOR_ROLE, relayer]);
  await points.write.grantRole([REDEEMER_ROLE, keeper]);
  await points.write.setIssuingAgent([relayer, true], { account: merchantA });
  await points.write.issue([alice, 1_000n, ref("alice")], { account: merchantA });
  await points.write.issue([bob, 500n, ref("bob")], { account: merchantA });
  await points.write.approve([bob, 100n], { account: alice });
  const rewardId = await createReward(program, merchantA, { cost: 100n });
  const mintOnlyId = await createReward(program, merchantA, { mintOnly: true });
  await rewards.write.redeem([rewardId], { account: alice });
  return { ...program, rewardId, mintOnlyId, token: tokenIdOf(rewardId, 1n) };
}
type P = Awaited<ReturnType<typeof withActivity>>;
const load = () => networkHelpers.loadFixture(withActivity);
const confirm = async (hash: `0x${string}`) => {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
};
const deadline = async () => BigInt(await time.latest()) + DAY;

const stops = (by: string, prepare: PauseCase<P>["prepare"]): PauseCase<P> => ({ by, whilePaused: "reverts", prepare });
const works = (by: string, prepare: PauseCase<P>["prepare"]): PauseCase<P> => ({ by, whilePaused: "succeeds", prepare });

async function migrationOf(p: P, to = carol) {
  const d = await deadline();
  const signature = await signAccountMigration(wallet.alice, p.points.address, { from: alice, to, nonce: await p.points.read.nonces([alice]), deadline: d });
  return () => p.points.write.migrateAccount([alice, to, d, signature], { account: relayer });
}

shouldRespectThePause<P>({
  contractName: "LoyaltyPoints",
  abi: loyaltyPointsAbi,
  load,
  pause: (p) => p.points.write.pause({ account: operator }),
  unpause: (p) => p.points.write.unpause({ account: operator }),
  expectPaused: (p, call) => assertions.revertWithCustomError(call, p.points, "EnforcedPause"),
  expectSuccess: confirm,
  cases: {
    // Members: balances, approvals, permits, donations.
    "transfer(address,uint256)": [stops("a member", async (p) => () => p.points.write.transfer([bob, 1n], { account: alice }))],
    "transferFrom(address,address,uint256)": [stops("a spender", async (p) => () => p.points.write.transferFrom([alice, carol, 1n], { account: bob }))],
    "approve(address,uint256)": [stops("a member", async (p) => () => p.points.write.approve([carol, 5n], { account: alice }))],
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": [
      stops("anyone, with the owner's signature", async (p) => {
        const d = await deadline();
        const { v, r, s } = await signPermit(wallet.alice, p.points.address, { owner: alice, spender: carol, value: 5n, nonce: await p.points.read.nonces([alice]), deadline: d });
        return () => p.points.write.permit([alice, carol, 5n, d, v, r, s], { account: outsider });
      }),
    ],
    "donate(address,uint256)": [stops("a member", async (p) => () => p.points.write.donate([charity, 1n], { account: alice }))],
    // Merchants and their agents.
    "issue(address,uint256,bytes32)": [stops("a merchant", async (p) => () => p.points.write.issue([carol, 1n, ref("paused-issue")], { account: merchantA }))],
    "issueFor(address,address,uint256,bytes32)": [stops("an agent", async (p) => () => p.points.write.issueFor([merchantA, carol, 1n, ref("paused-agent")], { account: relayer }))],
    "issueBatch(address[],uint256[],bytes32)": [stops("a merchant", async (p) => () => p.points.write.issueBatch([[carol, bob], [1n, 1n], ref("paused-batch")], { account: merchantA }))],
    "issuePurchases((address,uint256,bytes32)[])": [stops("a merchant", async (p) => () => p.points.write.issuePurchases([[{ member: carol, amount: 1n, ref: ref("paused-purchases") }]], { account: merchantA }))],
    "issuePurchasesFor(address,(address,uint256,bytes32)[])": [stops("an agent", async (p) => () => p.points.write.issuePurchasesFor([merchantA, [{ member: carol, amount: 1n, ref: ref("paused-purchases-agent") }]], { account: relayer }))],
    "clawback(bytes32,uint256)": [stops("a merchant", async (p) => () => p.points.write.clawback([ref("alice"), 1n], { account: merchantA }))],
    "clawbackFor(address,bytes32,uint256)": [stops("an agent", async (p) => () => p.points.write.clawbackFor([merchantA, ref("alice"), 1n], { account: relayer }))],
    // A balance change, even the operator's: refunds wait for the pause to end like any other.
    "operatorClawback(address,bytes32,uint256)": [
      stops("the operator, for a former merchant", async (p) => {
        await p.points.write.offboardMerchant([merchantA], { account: operator });
        return () => p.points.write.operatorClawback([merchantA, ref("alice"), 1n], { account: operator });
      }),
    ],
    "setIssuingAgent(address,bool)": [stops("a merchant", async (p) => () => p.points.write.setIssuingAgent([outsider, true], { account: merchantB }))],
    // The catalog, a keeper, the migrator.
    "burnForRedemption(address,uint256,uint256)": [stops("the redeemer", async (p) => () => p.points.write.burnForRedemption([alice, 1n, 1n], { account: keeper }))],
    "expire(address)": [
      stops("a keeper", async (p) => {
        await time.increase(YEAR + DAY);
        return () => p.points.write.expire([bob], { account: outsider });
      }),
    ],
    "migrateAccount(address,address,uint256,bytes)": [stops("the migrator", (p) => migrationOf(p))],
    // The switch itself.
    "pause()": [stops("the pauser (a second pause)", async (p) => () => p.points.write.pause({ account: operator }))],
    "unpause()": [works("the pauser", async (p) => () => p.points.write.unpause({ account: operator }))],
    // The operator's administration: how it responds to the emergency.
    "onboardMerchant(address,string,uint256)": [works("the operator", async (p) => () => p.points.write.onboardMerchant([outsider, "Nouvelle boutique", 10n], { account: operator }))],
    "offboardMerchant(address)": [works("the operator", async (p) => () => p.points.write.offboardMerchant([merchantB], { account: operator }))],
    "setIssuanceAllowance(address,uint256)": [works("the operator", async (p) => () => p.points.write.setIssuanceAllowance([merchantA, 0n], { account: operator }))],
    "increaseIssuanceAllowance(address,uint256)": [works("the operator", async (p) => () => p.points.write.increaseIssuanceAllowance([merchantA, 5n], { account: operator }))],
    "setTierThresholds(uint256[])": [works("the operator", async (p) => () => p.points.write.setTierThresholds([[10n, 20n]], { account: operator }))],
    "setInactivityPeriod(uint256)": [works("the operator", async (p) => () => p.points.write.setInactivityPeriod([2n * YEAR], { account: operator }))],
    "registerCharity(address,string)": [works("the operator", async (p) => () => p.points.write.registerCharity([outsider, "Secours populaire"], { account: operator }))],
    "removeCharity(address)": [works("the operator", async (p) => () => p.points.write.removeCharity([charity], { account: operator }))],
    "grantRole(bytes32,address)": [works("the operator", async (p) => () => p.points.write.grantRole([p.roles.pauser, keeper], { account: operator }))],
    "revokeRole(bytes32,address)": [works("the operator", async (p) => () => p.points.write.revokeRole([p.roles.merchant, merchantB], { account: operator }))],
    "renounceRole(bytes32,address)": [works("a role holder", async (p) => () => p.points.write.renounceRole([p.roles.merchant, merchantB], { account: merchantB }))],
  },
});

shouldRespectThePause<P>({
  contractName: "RewardNFT",
  abi: rewardNftAbi,
  load,
  pause: (p) => p.points.write.pause({ account: operator }),
  unpause: (p) => p.points.write.unpause({ account: operator }),
  expectPaused: (p, call) => assertions.revertWithCustomError(call, p.rewards, "EnforcedPause"),
  expectSuccess: confirm,
  cases: {
    // Holders: tokens and approvals.
    "transferFrom(address,address,uint256)": [stops("the holder", async (p) => () => p.rewards.write.transferFrom([alice, bob, p.token], { account: alice }))],
    "safeTransferFrom(address,address,uint256)": [stops("the holder", async (p) => () => p.rewards.write.safeTransferFrom([alice, bob, p.token], { account: alice }))],
    "safeTransferFrom(address,address,uint256,bytes)": [stops("the holder", async (p) => () => p.rewards.write.safeTransferFrom([alice, bob, p.token, "0x"], { account: alice }))],
    "approve(address,uint256)": [stops("the holder", async (p) => () => p.rewards.write.approve([bob, p.token], { account: alice }))],
    "setApprovalForAll(address,bool)": [stops("a holder", async (p) => () => p.rewards.write.setApprovalForAll([bob, true], { account: alice }))],
    "cancelVoucherNonce(uint256)": [stops("a holder", async (p) => () => p.rewards.write.cancelVoucherNonce([9n], { account: alice }))],
    // Members redeem; merchants run the catalog, mint and accept vouchers.
    "redeem(uint256)": [stops("a member", async (p) => () => p.rewards.write.redeem([p.rewardId], { account: bob }))],
    "createReward((uint256,uint64,uint8,uint40,uint40,bool,bool,uint8),(string,string,string))": [
      stops("a merchant", async (p) => () => p.rewards.write.createReward([terms(), metadata({ name: "Paused croissant" })], { account: merchantB })),
    ],
    "setRewardPaused(uint256,bool)": [
      stops("the reward's merchant", async (p) => () => p.rewards.write.setRewardPaused([p.rewardId, true], { account: merchantA })),
      // The operator can still take a faulty reward out before lifting the program's pause.
      works("the operator", async (p) => () => p.rewards.write.setRewardPaused([p.rewardId, true], { account: operator })),
    ],
    "mintExclusive(uint256,address)": [stops("the reward's merchant", async (p) => () => p.rewards.write.mintExclusive([p.mintOnlyId, bob], { account: merchantA }))],
    "mintExclusiveBatch(uint256,address[])": [stops("the reward's merchant", async (p) => () => p.rewards.write.mintExclusiveBatch([p.mintOnlyId, [bob, carol]], { account: merchantA }))],
    "consumeVoucher(uint256,uint256,uint256,bytes)": [
      stops("the reward's merchant", async (p) => {
        const d = await deadline();
        const signature = await signVoucher(wallet.alice, p.rewards.address, { tokenId: p.token, holder: alice, merchant: merchantA, nonce: 3n, deadline: d });
        return () => p.rewards.write.consumeVoucher([p.token, 3n, d, signature], { account: merchantA });
      }),
    ],
    "migrateTokens(address,address,uint256[],uint256,bytes)": [
      stops("the migrator", async (p) => {
        await confirm(await (await migrationOf(p))());
        const d = await deadline();
        const signature = await signTokenMigration(wallet.alice, p.rewards.address, { from: alice, to: carol, tokenIds: [p.token], nonce: await p.rewards.read.nonces([alice]), deadline: d });
        return () => p.rewards.write.migrateTokens([alice, carol, [p.token], d, signature], { account: relayer });
      }),
    ],
  },
});
