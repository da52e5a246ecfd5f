/**
 * Builds a realistic demo program on a local chain: a coalition of merchants, a year of purchases
 * by 24 members, tiers reached, a reward catalog, redemptions, a voucher used in a shop, a donation,
 * a refund, and a member whose points expired. Every merchant authorizes the relayer as its issuing
 * agent (the purchase API issues through it). Deterministic: the same chain gives the same data.
 */
import {
  encodePacked,
  keccak256,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
  createWalletClient,
} from "viem";
import type { Deployment } from "../../contracts/deployments.ts";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { encodeTokenId, MERCHANT_ROLE } from "../../contracts/spec/index.ts";
import { purchaseRef, voucherDomain, voucherUseTypes } from "../../contracts/typed-data.ts";
import { devAccount, DEV_ROLES } from "./dev-accounts.ts";

const DAY = 86_400;

export const DEMO_MERCHANTS = [
  { index: DEV_ROLES.merchants[0], name: "Boulangerie Dupont", allowance: 2_000_000n },
  { index: DEV_ROLES.merchants[1], name: "Librairie Voltaire", allowance: 2_000_000n },
  { index: DEV_ROLES.merchants[2], name: "Café des Arts", allowance: 1_000_000n },
] as const;

export const DEMO_CHARITY = { index: DEV_ROLES.charity, name: "Les Petits Déjeuners Solidaires" };

/** Member names, for the demo only: the chain knows addresses, never names. */
export const DEMO_MEMBER_NAMES = [
  "Camille Martin", "Louis Bernard", "Chloé Thomas", "Hugo Petit", "Léa Robert", "Lucas Richard",
  "Manon Durand", "Gabriel Dubois", "Inès Moreau", "Arthur Laurent", "Jade Simon", "Jules Michel",
  "Emma Lefebvre", "Adam Leroy", "Alice Roux", "Nathan David", "Zoé Bertrand", "Raphaël Morel",
  "Lina Fournier", "Théo Girard", "Rose Bonnet", "Noah Dupuis", "Anna Lambert", "Hélène Fontaine",
] as const;

/** The last member stops shopping early and loses its points to the inactivity rule. */
const EXPIRING_MEMBER = DEMO_MEMBER_NAMES.length - 1;

type Wallet = WalletClient<Transport, Chain, Account>;

export interface SeedSummary {
  members: number;
  purchases: number;
  redemptions: number;
  vouchersUsed: number;
  donations: number;
  refunds: number;
  expired: Address[];
  tiers: Record<string, number>;
  transactions: number;
}

/** A small deterministic PRNG (mulberry32), so that every seeded chain tells the same story. */
function random(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedProgram(options: {
  publicClient: PublicClient;
  chain: Chain;
  transport: Transport;
  deployment: Deployment;
  /** Days of history to build, ending at the chain's time + `days` (the dev chain starts that far back). */
  days?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}): Promise<SeedSummary> {
  const { publicClient, chain, transport, deployment } = options;
  const days = options.days ?? 398;
  const log = options.log ?? (() => {});
  const wallet = (index: number): Wallet => createWalletClient({ chain, transport, account: devAccount(index) });
  const points = deployment.contracts.LoyaltyPoints.address;
  const rewards = deployment.contracts.RewardNFT.address;
  let transactions = 0;

  const rpc = (method: string, params: unknown[]) => publicClient.request({ method, params } as never);
  const setTime = async (timestamp: number) => {
    const latest = Number((await publicClient.getBlock()).timestamp);
    if (timestamp > latest) await rpc("evm_setNextBlockTimestamp", [timestamp]);
  };
  const confirm = async (hash: Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== "success") throw new Error(`seed transaction reverted: ${receipt.transactionHash}`);
    transactions += 1;
    return receipt;
  };

  const operator = wallet(DEV_ROLES.operator);
  const merchants = DEMO_MERCHANTS.map((m) => ({ ...m, wallet: wallet(m.index), address: devAccount(m.index).address }));
  const members = DEMO_MEMBER_NAMES.map((name, i) => ({ name, index: DEV_ROLES.firstMember + i, address: devAccount(DEV_ROLES.firstMember + i).address }));
  const charity = devAccount(DEMO_CHARITY.index).address;
  const relayer = deployment.relayer ?? devAccount(DEV_ROLES.relayer).address;
  const start = Number((await publicClient.getBlock()).timestamp);

  // Members pay their own gas in this demo (the relayer comes with custodial accounts): fund the
  // test accounts that the node did not.
  for (const m of [...members, { index: DEV_ROLES.charity, address: charity }]) {
    if ((await publicClient.getBalance({ address: m.address })) < 10n ** 17n) {
      await confirm(operator.sendTransaction({ to: m.address, value: 10n ** 18n }));
    }
  }

  // ---------------------------------------------------------------- the coalition opens
  for (const m of merchants) {
    const isMerchant = await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [MERCHANT_ROLE, m.address] });
    if (isMerchant) throw new Error("this chain is already seeded (merchants are onboarded)");
    await confirm(operator.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "onboardMerchant", args: [m.address, m.name, m.allowance] }));
    // Every merchant lets the platform's relayer issue and refund for its purchase API.
    await confirm(m.wallet.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [relayer, true] }));
  }
  await confirm(operator.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "registerCharity", args: [charity, DEMO_CHARITY.name] }));
  log("coalition onboarded", { merchants: merchants.length });

  // ---------------------------------------------------------------- the reward catalog
  const catalog = [
    { merchant: 0, cost: 150n, cap: 500n, minTier: 0, category: 1, soulbound: false, mintOnly: false, validFrom: 0, validUntil: 0,
      name: "Croissant offert", description: "Un croissant au beurre offert, à retirer en boutique.", image: "/rewards/croissant.svg" },
    { merchant: 0, cost: 400n, cap: 200n, minTier: 1, category: 0, soulbound: false, mintOnly: false, validFrom: 0, validUntil: 0,
      name: "-15 % sur une pièce montée", description: "Remise de 15 % sur une pièce montée commandée 48 h à l'avance.", image: "/rewards/cake.svg" },
    { merchant: 1, cost: 300n, cap: 300n, minTier: 0, category: 0, soulbound: false, mintOnly: false, validFrom: 0, validUntil: 0,
      name: "Bon de 5 € en librairie", description: "5 € de remise sur tout achat de livres.", image: "/rewards/book.svg" },
    { merchant: 1, cost: 800n, cap: 40n, minTier: 2, category: 2, soulbound: true, mintOnly: false, validFrom: 0, validUntil: days * DAY + 60 * DAY,
      name: "Avant-première : dédicace d'auteur", description: "Accès anticipé à la séance de dédicaces, réservé aux membres Or.", image: "/rewards/signing.svg" },
    { merchant: 2, cost: 2_500n, cap: 12n, minTier: 1, category: 3, soulbound: false, mintOnly: false, validFrom: 0, validUntil: 0,
      name: "Atelier barista", description: "Deux heures derrière le comptoir avec notre torréfacteur.", image: "/rewards/barista.svg" },
    { merchant: 2, cost: 0n, cap: 1_000n, minTier: 0, category: 4, soulbound: true, mintOnly: true, validFrom: 0, validUntil: 0,
      name: "Badge Habitué", description: "Pour les clients qui passent chaque semaine.", image: "/rewards/badge.svg" },
    { merchant: 0, cost: 1_200n, cap: 25n, minTier: 3, category: 1, soulbound: false, mintOnly: false, validFrom: days * DAY + 10 * DAY, validUntil: 0,
      name: "Galette des rois offerte", description: "Pour nos membres Platine, dès l'Épiphanie.", image: "/rewards/galette.svg" },
  ];
  for (const r of catalog) {
    await confirm(merchants[r.merchant].wallet.writeContract({
      address: rewards, abi: rewardNftAbi, functionName: "createReward",
      args: [
        { cost: r.cost, supplyCap: r.cap, minTier: r.minTier, validFrom: r.validFrom ? start + r.validFrom : 0, validUntil: r.validUntil ? start + r.validUntil : 0, soulbound: r.soulbound, mintOnly: r.mintOnly, category: r.category },
        { name: r.name, description: r.description, image: r.image },
      ],
    }));
  }
  log("reward catalog created", { rewards: catalog.length });

  // ---------------------------------------------------------------- a year of purchases
  // Each member has a spending profile; big spenders reach the upper tiers.
  const rand = random(20_251_123);
  const profiles = members.map((_, i) => (i < 1 ? 80 : i < 2 ? 60 : i < 6 ? 25 : i < 12 ? 10 : 4)); // baskets per year, roughly
  type Purchase = { at: number; member: number; merchant: number; euros: number; orderId: string };
  const purchases: Purchase[] = [];
  members.forEach((member, i) => {
    const visits = i === EXPIRING_MEMBER ? 3 : profiles[i] + Math.floor(rand() * 4);
    for (let v = 0; v < visits; v++) {
      // The expiring member shops only in the first three weeks.
      const day = i === EXPIRING_MEMBER ? 2 + v * 6 : 1 + Math.floor(rand() * (days - 2));
      const merchant = Math.floor(rand() * merchants.length);
      const euros = Math.round((8 + rand() * (i < 1 ? 600 : i < 2 ? 420 : i < 6 ? 250 : 90)) * 100) / 100;
      purchases.push({ at: start + day * DAY + Math.floor(rand() * 10 * 3600), member: i, merchant, euros, orderId: `T${merchant}-${String(purchases.length + 1).padStart(5, "0")}` });
    }
  });
  purchases.sort((a, b) => a.at - b.at);

  let refunds = 0;
  let lastTime = start;
  for (const p of purchases) {
    // One point per euro (cents rounded down): the base earning rule of the demo program.
    const amount = BigInt(Math.floor(p.euros));
    const m = merchants[p.merchant];
    await setTime(p.at);
    lastTime = p.at;
    const ref = purchaseRef(m.address, p.orderId);
    await confirm(m.wallet.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "issue", args: [members[p.member].address, amount, ref] }));
  }
  log("purchases issued", { purchases: purchases.length });

  // A refunded order: the bookshop claws back the points of one recent purchase.
  const refunded = [...purchases].reverse().find((p) => p.merchant === 1 && p.member !== EXPIRING_MEMBER && p.euros >= 20);
  if (refunded) {
    const m = merchants[1];
    await confirm(m.wallet.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "clawback", args: [purchaseRef(m.address, refunded.orderId), BigInt(Math.floor(refunded.euros))] }));
    refunds += 1;
  }

  // A summer campaign: the café doubles down on its regulars with one batch.
  await setTime(lastTime + 60);
  const regulars = members.slice(0, 8).map((m) => m.address);
  await confirm(merchants[2].wallet.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "issueBatch", args: [regulars, regulars.map(() => 50n), keccak256(encodePacked(["string"], ["cafe-des-arts/campaign/ete"]))] }));
  await confirm(merchants[2].wallet.writeContract({ address: rewards, abi: rewardNftAbi, functionName: "mintExclusiveBatch", args: [6n, regulars.slice(0, 5)] }));

  // ---------------------------------------------------------------- redemptions
  let redemptions = 0;
  const redeemPlan: [member: number, rewardId: bigint][] = [[0, 1n], [0, 5n], [1, 2n], [1, 4n], [2, 3n], [3, 1n], [4, 3n], [5, 1n], [6, 1n], [2, 2n]];
  for (const [member, rewardId] of redeemPlan) {
    const w = wallet(members[member].index);
    try {
      await publicClient.simulateContract({ account: w.account, address: rewards, abi: rewardNftAbi, functionName: "redeem", args: [rewardId] });
    } catch {
      continue; // not eligible in this history (tier, balance): skip as a real member would
    }
    await confirm(w.writeContract({ address: rewards, abi: rewardNftAbi, functionName: "redeem", args: [rewardId] }));
    redemptions += 1;
  }
  log("rewards redeemed", { redemptions });

  // ---------------------------------------------------------------- a voucher used in the shop
  let vouchersUsed = 0;
  const holder = wallet(members[0].index);
  const tokenId = encodeTokenId(1n, 1n); // the first croissant, redeemed by the first member
  const owner = await publicClient.readContract({ address: rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [tokenId] }).catch(() => undefined);
  if (owner === holder.account.address) {
    const deadline = BigInt(Number((await publicClient.getBlock()).timestamp) + 600);
    const nonce = 1n;
    const signature = await holder.signTypedData({
      domain: voucherDomain(chain.id, rewards),
      types: voucherUseTypes,
      primaryType: "VoucherUse",
      message: { tokenId, holder: holder.account.address, merchant: merchants[0].address, nonce, deadline },
    });
    await confirm(merchants[0].wallet.writeContract({ address: rewards, abi: rewardNftAbi, functionName: "consumeVoucher", args: [tokenId, nonce, deadline, signature] }));
    vouchersUsed = 1;
  }

  // ---------------------------------------------------------------- a donation and a gift
  await confirm(wallet(members[1].index).writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "donate", args: [charity, 100n] }));
  await confirm(wallet(members[3].index).writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "transfer", args: [members[4].address, 25n] }));

  // ---------------------------------------------------------------- the inactivity rule applies
  const expired: Address[] = [];
  const expiring = members[EXPIRING_MEMBER].address;
  const expiresAt = await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "expiresAt", args: [expiring] });
  if (expiresAt > 0n) {
    await setTime(Math.max(Number(expiresAt), lastTime + 120));
    await confirm(operator.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "expire", args: [expiring] }));
    expired.push(expiring);
  }

  const tiers: Record<string, number> = {};
  for (const m of members) {
    const tier = await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [m.address] });
    tiers[String(tier)] = (tiers[String(tier)] ?? 0) + 1;
  }
  return { members: members.length, purchases: purchases.length, redemptions, vouchersUsed, donations: 1, refunds, expired, tiers, transactions };
}
