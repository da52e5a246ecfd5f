/**
 * The audit against hostile member contracts on a real Hardhat node: members that call back into
 * the program from onERC721Received (redeem again, get minted an exclusive reward and redeem from
 * inside it, pass the fresh token on, donate), so that the chain's logs nest. The properties: the
 * catalog refuses re-entry into redeem and the mints (ReentrancyGuardReentrantCall), whatever the
 * attacker does the books stay right, and the audit pairs every burn with its own redemption.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, decodeErrorResult, encodeFunctionData, http, type Address, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { readArtifact } from "../../../scripts/lib/artifacts.ts";
import { devAccount, DEV_ROLES } from "../../../scripts/lib/dev-accounts.ts";
import { runAudit } from "../../../scripts/audit/run-audit.ts";
import { deployOnNode, type ProgramOnChain } from "../../../scripts/audit/support/chain.ts";
import { startHardhatNode, type HardhatNode } from "../../support/hardhat-node.ts";
import { encodeTokenId } from "../../../contracts/spec/index.ts";

const SHOP = DEV_ROLES.merchants[0];
const BOB = devAccount(DEV_ROLES.firstMember).address;
const receiver = readArtifact("ReentrantReceiver");

let node: HardhatNode;
let program: ProgramOnChain;
let points: Address;
let rewards: Address;
let attacker: Address;
let coffee: bigint;
let badge: bigint;

async function send(from: number, to: Address, abi: unknown, functionName: string, args: unknown[]) {
  const wallet = createWalletClient({ chain: program.chain, transport: http(node.url), account: devAccount(from) });
  const hash = await wallet.writeContract({ address: to, abi: abi as never, functionName: functionName as never, args: args as never, gas: 2_000_000n } as never);
  const receipt = await program.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}
const read = <T>(address: Address, abi: unknown, functionName: string, args: unknown[] = []) =>
  program.publicClient.readContract({ address, abi: abi as never, functionName: functionName as never, args: args as never }) as Promise<T>;
/** The attacker contract does something as a member (its calls bubble up). */
const act = (to: Address, data: Hex) => send(DEV_ROLES.firstMember + 1, attacker, receiver.abi, "execute", [to, data]);
const arm = (to: Address, data: Hex, times: bigint) => send(DEV_ROLES.firstMember + 1, attacker, receiver.abi, "arm", [to, data, times, true]);
const redeemCall = (rewardId: bigint) => encodeFunctionData({ abi: rewardNftAbi, functionName: "redeem", args: [rewardId] });
const lastRevertName = async () => {
  const data = await read<Hex>(attacker, receiver.abi, "lastRevert");
  return data === "0x" ? null : decodeErrorResult({ abi: rewardNftAbi, data }).errorName;
};
const audit = async () => (await runAudit({ rpcUrl: node.url, deployment: program.deployment })).report.discrepancies;

beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployOnNode(node.url);
  points = program.deployment.contracts.LoyaltyPoints.address;
  rewards = program.deployment.contracts.RewardNFT.address;
  await send(DEV_ROLES.operator, points, loyaltyPointsAbi, "onboardMerchant", [devAccount(SHOP).address, "Café", 1_000_000n]);
  const terms = (cost: bigint, mintOnly: boolean) => ({ cost, supplyCap: 100n, minTier: 0, validFrom: 0, validUntil: 0, soulbound: false, mintOnly, category: 0 });
  await send(SHOP, rewards, rewardNftAbi, "createReward", [terms(50n, false), { name: "Coffee", description: "", image: "" }]);
  await send(SHOP, rewards, rewardNftAbi, "createReward", [terms(0n, true), { name: "Badge", description: "", image: "" }]);
  coffee = 1n;
  badge = 2n;
  const wallet = createWalletClient({ chain: program.chain, transport: http(node.url), account: devAccount(DEV_ROLES.firstMember + 1) });
  const hash = await wallet.deployContract({ abi: receiver.abi, bytecode: receiver.bytecode });
  attacker = (await program.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  await send(SHOP, points, loyaltyPointsAbi, "issue", [attacker, 1_000n, `0x${"a1".repeat(32)}`]);
}, 120_000);

afterAll(async () => {
  await node?.stop();
});

describe("adversarial — the audit under hostile contracts", () => {
  it("a member contract re-entering redeem from onERC721Received is refused; one coffee, one burn, clean books", async () => {
    await arm(rewards, redeemCall(coffee), 1n);
    await act(rewards, redeemCall(coffee));
    expect(await audit()).toEqual([]);
    expect(await lastRevertName()).toBe("ReentrancyGuardReentrantCall");
    expect(await read<bigint>(rewards, rewardNftAbi, "balanceOf", [attacker])).toBe(1n);
    expect(await read<bigint>(points, loyaltyPointsAbi, "balanceOf", [attacker])).toBe(950n);
  });

  it("an exclusive mint to it that redeems from inside the callback is refused the same way", async () => {
    await arm(rewards, redeemCall(coffee), 1n);
    await send(SHOP, rewards, rewardNftAbi, "mintExclusive", [badge, attacker]);
    expect(await audit()).toEqual([]);
    expect(await lastRevertName()).toBe("ReentrancyGuardReentrantCall");
    expect(await read<bigint>(rewards, rewardNftAbi, "balanceOf", [attacker])).toBe(2n);
    expect(await read<bigint>(points, loyaltyPointsAbi, "balanceOf", [attacker])).toBe(950n);
  });

  it("what it may do from the callback (pass the fresh token on, donate, transfer points) leaves the audit clean", async () => {
    const next = encodeTokenId(coffee, 2n); // the next coffee's token id
    await arm(rewards, encodeFunctionData({ abi: rewardNftAbi, functionName: "transferFrom", args: [attacker, BOB, next] }), 1n);
    await act(rewards, redeemCall(coffee));
    expect(await lastRevertName()).toBeNull();
    expect(await read<Address>(rewards, rewardNftAbi, "ownerOf", [next])).toBe(BOB);
    await arm(points, encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [BOB, 25n] }), 1n);
    await act(rewards, redeemCall(coffee));
    expect(await read<bigint>(points, loyaltyPointsAbi, "balanceOf", [BOB])).toBe(25n);
    expect(await read<bigint>(points, loyaltyPointsAbi, "balanceOf", [attacker])).toBe(950n - 50n - 50n - 25n);
    expect(await audit()).toEqual([]);
  });
});
