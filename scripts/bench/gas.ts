/**
 * Gas used by the program's main operations, beside plain OpenZeppelin tokens measured in the same
 * run. Prints a table, then one JSON line (the last line) for tools.
 *
 * Run: npm run bench:gas   (an in-process Hardhat network; optimized `default` build profile)
 */
import { network } from "hardhat";
import { keccak256, toHex, type Address, type Hash } from "viem";
import {
  accountMigrationDomain,
  accountMigrationTypes,
  tokenIdsHash,
  tokenMigrationDomain,
  tokenMigrationTypes,
  voucherDomain,
  voucherUseTypes,
} from "../../contracts/typed-data.ts";

const { viem } = await network.create();
const publicClient = await viem.getPublicClient();
const [operator, merchant, alice, bob, carol, relayer, dave, erin] = await viem.getWalletClients();

const gasOf = async (hash: Promise<Hash>) => (await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed;
const ref = (label: string) => keccak256(toHex(label));
const members = (count: number, offset: number) =>
  Array.from({ length: count }, (_, i) => `0x${(0x10000 + offset + i).toString(16).padStart(40, "0")}` as Address);

// --- the program
const forwarder = await viem.deployContract("LoyaltyForwarder");
const points = await viem.deployContract("LoyaltyPoints", ["Loyalty Points", "LPT", operator.account.address, forwarder.address]);
const rewards = await viem.deployContract("RewardNFT", [points.address, forwarder.address]);
await points.write.grantRole([await points.read.REDEEMER_ROLE(), rewards.address]);
await points.write.setTierThresholds([[1_000n, 5_000n, 20_000n]]);
await points.write.onboardMerchant([merchant.account.address, "Boulangerie", 10n ** 12n]);
const asMerchant = { account: merchant.account };

await points.write.issue([alice.account.address, 10_000n, ref("seed-alice")], asMerchant);
await points.write.issue([bob.account.address, 10_000n, ref("seed-bob")], asMerchant);

const terms = {
  cost: 500n, supplyCap: 1_000_000n, minTier: 1, validFrom: 0, validUntil: 0,
  soulbound: false, mintOnly: false, category: 0,
} as const;
await rewards.write.createReward([terms, { name: "Croissant offert", description: "Un croissant", image: "ipfs://x" }], asMerchant);
await rewards.write.createReward([{ ...terms, cost: 0n, mintOnly: true, soulbound: true, category: 4 }, { name: "VIP", description: "Badge", image: "ipfs://v" }], asMerchant);

const results: Record<string, bigint> = {};
const notes: Record<string, string> = {};

results.transfer = await gasOf(points.write.transfer([bob.account.address, 10n], { account: alice.account }));
notes.transfer = "holder to holder";
const transferNew = await gasOf(points.write.transfer([carol.account.address, 10n], { account: alice.account }));
results.issue = await gasOf(points.write.issue([alice.account.address, 100n, ref("order-1")], asMerchant));
notes.issue = "one purchase, to a member who already holds points";

const batch = members(100, 0);
const batchGas = await gasOf(points.write.issueBatch([batch, batch.map(() => 50n), ref("campaign-new")], asMerchant));
results.batchIssuePerMember = batchGas / 100n;
notes.batchIssuePerMember = "campaign to 100 first-time members, per member";
const batchExisting = (await gasOf(points.write.issueBatch([batch, batch.map(() => 50n), ref("campaign-again")], asMerchant))) / 100n;

results.redeem = await gasOf(rewards.write.redeem([1n], { account: alice.account }));
notes.redeem = "burn 500 points and mint the member's first NFT";
results.exclusiveMint = await gasOf(rewards.write.mintExclusive([2n, bob.account.address], asMerchant));
notes.exclusiveMint = "badge to a member without NFTs";

const tokenId = (1n << 128n) | 1n;
const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
const signature = await alice.signTypedData({
  domain: voucherDomain(await publicClient.getChainId(), rewards.address),
  types: voucherUseTypes,
  primaryType: "VoucherUse",
  message: { tokenId, holder: alice.account.address, merchant: merchant.account.address, nonce: 1n, deadline },
});
results.consumeVoucher = await gasOf(rewards.write.consumeVoucher([tokenId, 1n, deadline, signature], asMerchant));

// --- the relayer: issuing agent of the merchant, migrator of custodial members
const asRelayer = { account: relayer.account };
const chainId = await publicClient.getChainId();
await points.write.setIssuingAgent([relayer.account.address, true], asMerchant);
await points.write.grantRole([await points.read.MIGRATOR_ROLE(), relayer.account.address]);
results.issueFor = await gasOf(points.write.issueFor([merchant.account.address, alice.account.address, 100n, ref("api-order-1")], asRelayer));
notes.issueFor = "issue by the relayer as the merchant's agent";
// Batched purchases by the relayer (issuePurchasesFor): 100 purchases, each its own ref, first to
// 100 members with no points yet, then to the same members, who now hold points.
const batchMembers = members(100, 1_000);
const batch100 = (label: string, to: Address[]) =>
  gasOf(points.write.issuePurchasesFor([merchant.account.address, to.map((member, i) => ({ member, amount: 25n, ref: ref(`${label}-${i}`) }))], asRelayer));
const purchaseFirstTime = (await batch100("till-first", batchMembers)) / 100n;
results.purchaseInBatch = (await batch100("till-again", batchMembers)) / 100n;
notes.purchaseInBatch = `batch of 100 purchases to members who hold points, per purchase (first-time members: ${purchaseFirstTime})`;
results.clawbackFor = await gasOf(points.write.clawbackFor([merchant.account.address, ref("api-order-1"), 40n], asRelayer));
notes.clawbackFor = "partial refund by the agent";

// Dave moves his points to a fresh wallet (erin).
await points.write.issue([dave.account.address, 2_000n, ref("seed-dave")], asMerchant);
const accountSignature = await dave.signTypedData({
  domain: accountMigrationDomain(chainId, points.address, "Loyalty Points"),
  types: accountMigrationTypes,
  primaryType: "AccountMigration",
  message: { from: dave.account.address, to: erin.account.address, nonce: 0n, deadline },
});
results.migrateAccount = await gasOf(points.write.migrateAccount([dave.account.address, erin.account.address, deadline, accountSignature], asRelayer));
notes.migrateAccount = "balance, lifetime earned and activity to a fresh wallet";

// Two members in the same situation (first migration, fresh wallet), one with 1 badge, one with 4:
// the difference over 3 is the cost of each further token. Their (empty) points accounts move
// first, as the move to self-custody does: the tokens follow the account.
const [, , , , , , , , holder1, wallet1, holder4, wallet4] = await viem.getWalletClients();
const migrateTokensGas = async (holder: typeof dave, to: Address, count: number) => {
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    await rewards.write.mintExclusive([2n, holder.account.address], asMerchant);
    ids.push((2n << 128n) | (await rewards.read.getReward([2n])).minted);
  }
  const moveSignature = await holder.signTypedData({
    domain: accountMigrationDomain(chainId, points.address, "Loyalty Points"),
    types: accountMigrationTypes,
    primaryType: "AccountMigration",
    message: { from: holder.account.address, to, nonce: 0n, deadline },
  });
  await gasOf(points.write.migrateAccount([holder.account.address, to, deadline, moveSignature], asRelayer));
  const tokenSignature = await holder.signTypedData({
    domain: tokenMigrationDomain(chainId, rewards.address),
    types: tokenMigrationTypes,
    primaryType: "TokenMigration",
    message: { from: holder.account.address, to, tokenIds: tokenIdsHash(ids), nonce: 0n, deadline },
  });
  return gasOf(rewards.write.migrateTokens([holder.account.address, to, ids, deadline, tokenSignature], asRelayer));
};
results.migrateTokens = await migrateTokensGas(holder1, wallet1.account.address, 1);
notes.migrateTokens = "one soulbound badge to a fresh wallet";
const migrateFour = await migrateTokensGas(holder4, wallet4.account.address, 4);
results.migrateTokensPerToken = (migrateFour - results.migrateTokens) / 3n;
notes.migrateTokensPerToken = `each further token (4 tokens: ${migrateFour})`;

// --- plain OpenZeppelin baselines, same scenarios
const ozErc20 = await viem.deployContract("OzPlainERC20");
await ozErc20.write.mint([alice.account.address, 10_000n]);
await ozErc20.write.mint([bob.account.address, 10_000n]);
results.ozTransfer = await gasOf(ozErc20.write.transfer([bob.account.address, 10n], { account: alice.account }));
const ozTransferNew = await gasOf(ozErc20.write.transfer([carol.account.address, 10n], { account: alice.account }));
const ozErc721 = await viem.deployContract("OzPlainERC721");
results.ozMint721 = await gasOf(ozErc721.write.mint([bob.account.address, 1n]));

const ratio = Number(results.transfer) / Number(results.ozTransfer);
const missed = [
  ratio > 1.1 && `transfer is ${ratio.toFixed(3)} x ozTransfer (target <= 1.10)`,
  results.batchIssuePerMember > 35_000n && `batchIssuePerMember ${results.batchIssuePerMember} (target <= 35000)`,
  results.redeem > 160_000n && `redeem ${results.redeem} (target <= 160000)`,
  results.purchaseInBatch > 45_000n && `purchaseInBatch ${results.purchaseInBatch} (target <= 45000)`,
].filter(Boolean);
const rows: [string, bigint | string, string][] = [
  ...Object.entries(results).map(([k, v]) => [k, v, notes[k] ?? ""] as [string, bigint, string]),
  ["transfer (new recipient)", transferNew, `OZ: ${ozTransferNew}`],
  ["batchIssuePerMember (existing)", batchExisting, "campaign to 100 members who hold points"],
  ["purchaseInBatch (first-time)", purchaseFirstTime, "batch of 100 purchases to members with no points yet, per purchase"],
];
console.log(`${"operation".padEnd(32)}${"gas".padStart(10)}  note`);
for (const [k, v, n] of rows) console.log(`${k.padEnd(32)}${String(v).padStart(10)}  ${n}`);
console.log("");
console.log(`targets: transfer/ozTransfer = ${ratio.toFixed(3)} (<= 1.10)  batchIssuePerMember = ${results.batchIssuePerMember} (<= 35000)  redeem = ${results.redeem} (<= 160000)  purchaseInBatch = ${results.purchaseInBatch} (<= 45000; first-time ${purchaseFirstTime})`);
for (const m of missed) console.log(`MISSED: ${m}`);
console.log(JSON.stringify({ ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Number(v)])), purchaseInBatchFirstTime: Number(purchaseFirstTime) }));
if (missed.length > 0) process.exitCode = 1;
