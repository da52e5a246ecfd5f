import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, parseEventLogs, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { createWalletClient } from "viem";
import type { Deployment } from "../../contracts/deployments.ts";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { deployProgram } from "./deploy-program.ts";
import { devAccount, DEV_ROLES } from "./dev-accounts.ts";
import { DEMO_MERCHANTS, DEMO_MEMBER_NAMES, seedProgram, type SeedSummary } from "./seed-program.ts";

let node: HardhatNode;
let publicClient: PublicClient;
let deployment: Deployment;
let summary: SeedSummary;

beforeAll(async () => {
  node = await startHardhatNode();
  publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0 }) as PublicClient;
  ({ deployment } = await deployProgram({ publicClient, walletClient: createWalletClient({ chain: hardhat, transport: http(node.url), account: devAccount(0) }) }));
  summary = await seedProgram({ publicClient, chain: hardhat, transport: http(node.url), deployment });
}, 180_000);
afterAll(() => node?.stop());

const logsOf = async () => {
  const from = BigInt(deployment.startBlock);
  const [points, rewards] = await Promise.all([
    publicClient.getLogs({ address: deployment.contracts.LoyaltyPoints.address, fromBlock: from, toBlock: "latest" }),
    publicClient.getLogs({ address: deployment.contracts.RewardNFT.address, fromBlock: from, toBlock: "latest" }),
  ]);
  return { points: parseEventLogs({ abi: loyaltyPointsAbi, logs: points }), rewards: parseEventLogs({ abi: rewardNftAbi, logs: rewards }) };
};

describe("seedProgram: the demo program a newcomer sees", () => {
  it("onboards at least two merchants and a charity, and lists a catalog", async () => {
    const { points, rewards } = await logsOf();
    expect(points.filter((l) => l.eventName === "MerchantOnboarded").length).toBeGreaterThanOrEqual(2);
    expect(points.filter((l) => l.eventName === "CharityRegistered")).toHaveLength(1);
    expect(rewards.filter((l) => l.eventName === "RewardCreated").length).toBeGreaterThanOrEqual(5);
  });

  it("makes every merchant authorize the relayer as its issuing agent", async () => {
    const { points } = await logsOf();
    const relayer = devAccount(DEV_ROLES.relayer).address;
    expect(deployment.relayer).toBe(relayer);
    const set = points.filter((l) => l.eventName === "IssuingAgentSet").map((l) => l.args);
    expect(set).toEqual(DEMO_MERCHANTS.map((m) => ({ merchant: devAccount(m.index).address, agent: relayer, authorized: true })));
    for (const m of DEMO_MERCHANTS) {
      expect(
        await publicClient.readContract({ address: deployment.contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "isIssuingAgent", args: [devAccount(m.index).address, relayer] }),
      ).toBe(true);
    }
  });

  it("gives 20+ members a purchase history spread over the year, and several tiers", async () => {
    const { points } = await logsOf();
    const issued = points.filter((l) => l.eventName === "PointsIssued");
    const members = new Set(issued.map((l) => (l.args as { member: string }).member));
    expect(members.size).toBeGreaterThanOrEqual(20);
    expect(summary.members).toBe(DEMO_MEMBER_NAMES.length);
    const first = await publicClient.getBlock({ blockNumber: issued[0].blockNumber });
    const last = await publicClient.getBlock({ blockNumber: issued[issued.length - 1].blockNumber });
    expect(Number(last.timestamp - first.timestamp)).toBeGreaterThan(300 * 86_400);
    expect(Object.keys(summary.tiers).length).toBeGreaterThanOrEqual(3);
  });

  it("redeems rewards, consumes one voucher, makes a donation and a refund, and expires one member", async () => {
    const { points, rewards } = await logsOf();
    expect(rewards.filter((l) => l.eventName === "RewardRedeemed").length).toBe(summary.redemptions);
    expect(summary.redemptions).toBeGreaterThanOrEqual(3);
    expect(rewards.filter((l) => l.eventName === "VoucherConsumed")).toHaveLength(1);
    expect(points.filter((l) => l.eventName === "PointsDonated")).toHaveLength(1);
    expect(points.filter((l) => l.eventName === "PointsClawedBack")).toHaveLength(1);
    const expired = points.filter((l) => l.eventName === "PointsExpired");
    expect(expired).toHaveLength(1);
    const member = (expired[0].args as { member: `0x${string}` }).member;
    expect(summary.expired).toEqual([member]);
    expect(await publicClient.readContract({ address: deployment.contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [member] })).toBe(0n);
  });

  it("leaves a consistent ledger: the members' balances add up to the total supply", async () => {
    const address = deployment.contracts.LoyaltyPoints.address;
    const holders = [...DEMO_MEMBER_NAMES.map((_, i) => devAccount(6 + i).address), devAccount(5).address];
    const balances = await Promise.all(holders.map((a) => publicClient.readContract({ address, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] })));
    const supply = await publicClient.readContract({ address, abi: loyaltyPointsAbi, functionName: "totalSupply" });
    expect(balances.reduce((a, b) => a + b, 0n)).toBe(supply);
  });

  it("refuses to seed the same chain twice", async () => {
    await expect(seedProgram({ publicClient, chain: hardhat, transport: http(node.url), deployment })).rejects.toThrow(/already seeded/);
  });
});
