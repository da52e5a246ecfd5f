/**
 * The relayer's ether, attacked: requests that are valid but useless or costly (hostile NFT
 * receivers burning the gas, 0-point and self transfers, trailing calldata, huge gas limits, far
 * deadlines, a token of someone else), quotas dodged with fresh addresses, and a global budget.
 * Against a real Hardhat node and a real Postgres (the relayer module, as the web server runs it).
 * Every refusal must come before anything is signed: no relayer_txs row, no nonce taken.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, createPublicClient, encodeFunctionData, http, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes, purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { PgRelayer } from "../../../web/lib/relayer/relayer.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import type { SignedForwardRequest } from "../../../web/lib/relayer/types.ts";
import { startHardhatNode, type HardhatNode } from "../../support/hardhat-node.ts";
import { useTestDatabase } from "../../support/postgres-suite.ts";
import { CHARITY, deployTestProgram, MERCHANTS, type TestProgram } from "../../support/program.ts";

const RELAYER = devAccount(1);
const merchant = devAccount(MERCHANTS[0]!).address;
const quiet = () => {};

/**
 * A contract that accepts any ERC-721 (answers onERC721Received's selector) after burning all the gas
 * it is given but 64k: what a member would deploy to make each relayed safeTransferFrom cost ~1M gas.
 */
const BURNER_RUNTIME = "5b620100005a11600057" + "63150b7a0260e01b60005260206000f3";
const initcode = (runtime: string): Hex => `0x60${(runtime.length / 2).toString(16).padStart(2, "0")}80600b6000396000f3${runtime}`;

describe("the relayer pays only for useful, bounded work", () => {
  const suite = useTestDatabase({ maxConnections: 8 });
  let node: HardhatNode;
  let program: TestProgram;
  let client: PublicClient;
  let burner: Address;
  let rewardId: bigint;
  const relayers: PgRelayer[] = [];
  let logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];

  function makeRelayer(options: Partial<ConstructorParameters<typeof PgRelayer>[0]> = {}) {
    const r = new PgRelayer({
      pool: suite.pool as unknown as PoolLike,
      client,
      account: RELAYER,
      chainId: hardhat.id,
      contracts: { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address },
      log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }),
      pollMs: 10,
      ...options,
    });
    relayers.push(r);
    return r;
  }

  const txCount = async () => Number((await suite.pool.query(`SELECT count(*) FROM relayer_txs`)).rows[0].count);
  const relayerNonce = () => client.getTransactionCount({ address: RELAYER.address, blockTag: "pending" });

  async function sign(from: LocalAccount, to: Address, data: Hex, o: { gas?: bigint; deadline?: number } = {}): Promise<SignedForwardRequest> {
    const forwarder = program.deployment.contracts.LoyaltyForwarder.address;
    const nonce = await client.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [from.address] });
    const message = { from: from.address, to, value: 0n, gas: o.gas ?? 100_000n, nonce, deadline: o.deadline ?? Math.floor(Date.now() / 1000) + 600, data };
    const signature = await from.signTypedData({ domain: forwarderDomain(hardhat.id, forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
    const { nonce: _n, ...rest } = message;
    return { ...rest, signature };
  }

  /** A fresh member with `points` points (issued through the relayer as the merchant's agent). */
  let order = 0;
  async function member(points: bigint, r = makeRelayer()): Promise<LocalAccount> {
    const account = privateKeyToAccount(generatePrivateKey());
    const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, account.address, points, purchaseRef(merchant, `fund-${++order}`)] });
    expect((await r.call({ to: program.points, data })).status).toBe("confirmed");
    return account;
  }

  /** A reward token held by a fresh member (redeemed through the relayer). */
  async function memberWithToken(): Promise<{ account: LocalAccount; tokenId: bigint }> {
    const r = makeRelayer();
    const account = await member(50n, r);
    const tx = await r.forward(await sign(account, program.rewards, encodeFunctionData({ abi: rewardNftAbi, functionName: "redeem", args: [rewardId] }), { gas: 300_000n }));
    const receipt = await client.getTransactionReceipt({ hash: tx.hash });
    const minted = parseEventLogs({ abi: rewardNftAbi, logs: receipt.logs, eventName: "Transfer" })[0]!;
    return { account, tokenId: minted.args.tokenId };
  }

  /** `request` is refused with `code`, and nothing was signed or sent. */
  async function refusedBeforeSigning(r: PgRelayer, request: SignedForwardRequest, code: string | RegExp = "not_allowed", opts?: Parameters<PgRelayer["forward"]>[1]) {
    const [rows, nonce] = [await txCount(), await relayerNonce()];
    const error = await r.forward(request, opts).then(
      () => null,
      (e) => e,
    );
    expect(error, "the relayer sent it").not.toBeNull();
    expect(error.code).toMatch(code);
    expect(await txCount()).toBe(rows);
    expect(await relayerNonce()).toBe(nonce);
    return error;
  }

  beforeAll(async () => {
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    client = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0, pollingInterval: 20 }) as PublicClient;
    const hash = await program.wallet(MERCHANTS[0]!).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [RELAYER.address, true] });
    await client.waitForTransactionReceipt({ hash });
    const deploy = await program.wallet(9).sendTransaction({ data: initcode(BURNER_RUNTIME) });
    burner = (await client.waitForTransactionReceipt({ hash: deploy })).contractAddress!;
    rewardId = 1n; // setupProgram's "Coffee": 50 points, transferable
  }, 120_000);

  afterAll(async () => {
    await Promise.all(relayers.map((r) => r.stop()));
    await node?.stop();
  });

  it("does not relay an NFT to a contract (a receiver that burns the gas)", async () => {
    const r = makeRelayer();
    const { account, tokenId } = await memberWithToken();
    for (const fn of ["safeTransferFrom", "transferFrom"] as const) {
      const data = encodeFunctionData({ abi: rewardNftAbi, functionName: fn, args: [account.address, burner, tokenId] });
      await refusedBeforeSigning(r, await sign(account, program.rewards, data, { gas: 1_000_000n }));
    }
    // The same token to a plain account is relayed (and cheap).
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const ok = await r.forward(await sign(account, program.rewards, encodeFunctionData({ abi: rewardNftAbi, functionName: "safeTransferFrom", args: [account.address, to, tokenId] })));
    expect(ok.status).toBe("confirmed");
    expect((await client.getTransactionReceipt({ hash: ok.hash })).gasUsed).toBeLessThan(150_000n);
  });

  it("refuses 0-point, self and someone else's transfers before signing anything", async () => {
    const r = makeRelayer();
    const a = await member(10n, r);
    const other = privateKeyToAccount(generatePrivateKey()).address;
    const points = (fn: "transfer" | "donate", to: Address, amount: bigint) => encodeFunctionData({ abi: loyaltyPointsAbi, functionName: fn as "transfer", args: [to, amount] });
    await refusedBeforeSigning(r, await sign(a, program.points, points("transfer", other, 0n)));
    await refusedBeforeSigning(r, await sign(a, program.points, points("transfer", a.address, 1n)));
    await refusedBeforeSigning(r, await sign(a, program.points, points("donate", devAccount(CHARITY).address, 0n)));
    const { account: holder, tokenId } = await memberWithToken();
    await refusedBeforeSigning(r, await sign(holder, program.rewards, encodeFunctionData({ abi: rewardNftAbi, functionName: "transferFrom", args: [holder.address, holder.address, tokenId] })));
    // A token transfer "from" another account (even one that approved the member) is not the member's own action.
    await refusedBeforeSigning(r, await sign(a, program.rewards, encodeFunctionData({ abi: rewardNftAbi, functionName: "transferFrom", args: [holder.address, a.address, tokenId] })));
    // The relayer's own calls: no 0-point issuance or refund either.
    const zeroIssue = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, other, 0n, purchaseRef(merchant, "zero")] });
    await expect(r.call({ to: program.points, data: zeroIssue })).rejects.toMatchObject({ code: "not_allowed" });
    const zeroRefund = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "clawbackFor", args: [merchant, purchaseRef(merchant, "fund-1"), 0n] });
    await expect(r.call({ to: program.points, data: zeroRefund })).rejects.toMatchObject({ code: "not_allowed" });
  });

  it("refuses calldata with bytes after a valid call, for members and for its own calls", async () => {
    const r = makeRelayer();
    const a = await member(10n, r);
    const transfer = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [privateKeyToAccount(generatePrivateKey()).address, 1n] });
    await refusedBeforeSigning(r, await sign(a, program.points, concat([transfer, "0x00"])));
    await refusedBeforeSigning(r, await sign(a, program.points, concat([transfer, `0x${"ff".repeat(4_000)}`])));
    const issue = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, a.address, 1n, purchaseRef(merchant, "trailing")] });
    await expect(r.call({ to: program.points, data: concat([issue, "0xdeadbeef"]) })).rejects.toMatchObject({ code: "not_allowed" });
  });

  it("caps the gas of each function, and refuses deadlines far in the future", async () => {
    const r = makeRelayer();
    const a = await member(10n, r);
    const transfer = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [privateKeyToAccount(generatePrivateKey()).address, 1n] });
    // Under the old global cap of 1M, but ten times what a transfer needs.
    await refusedBeforeSigning(r, await sign(a, program.points, transfer, { gas: 900_000n }));
    await refusedBeforeSigning(r, await sign(a, program.points, transfer, { gas: 2n ** 60n }));
    // A request signed to stay valid for a year (a collected signature to play later).
    await refusedBeforeSigning(r, await sign(a, program.points, transfer, { deadline: Math.floor(Date.now() / 1000) + 365 * 86_400 }));
    expect((await r.forward(await sign(a, program.points, transfer))).status).toBe("confirmed");
  });

  it("counts quotas per signed-in account and per client address, not only per (free) `from` address", async () => {
    const r = makeRelayer({ quotas: { perAddress: { max: 5, windowSeconds: 3600 }, perAccount: { max: 2, windowSeconds: 3600 }, perIp: { max: 3, windowSeconds: 3600 } } });
    const transferTo = () => encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [privateKeyToAccount(generatePrivateKey()).address, 1n] });
    // Fresh addresses cost nothing: from one client address, the fourth one is refused.
    const fresh = await Promise.all([1, 2, 3, 4].map(() => member(5n)));
    for (const [i, m] of fresh.entries()) {
      const request = await sign(m, program.points, transferTo());
      if (i < 3) expect((await r.forward(request, { ip: "203.0.113.7", account: `wallet:${m.address}` })).status).toBe("confirmed");
      else await refusedBeforeSigning(r, request, "rate_limited", { ip: "203.0.113.7", account: `wallet:${m.address}` });
    }
    // One account (an email member) is held to its own quota whatever address it signs from.
    const mine = await Promise.all([1, 2, 3].map(() => member(5n)));
    for (const [i, m] of mine.entries()) {
      const request = await sign(m, program.points, transferTo());
      if (i < 2) expect((await r.forward(request, { ip: `198.51.100.${i}`, account: "user:one" })).status).toBe("confirmed");
      else await refusedBeforeSigning(r, request, "rate_limited", { ip: "198.51.100.9", account: "user:one" });
    }
    // Forged requests in someone's name use none of anyone's quota.
    const victim = await member(5n);
    const forged = { ...(await sign(victim, program.points, transferTo())), signature: (await sign(fresh[0]!, program.points, transferTo())).signature };
    for (let i = 0; i < 4; i++) await refusedBeforeSigning(r, forged, "bad_signature", { ip: "192.0.2.1", account: `wallet:${victim.address}` });
    expect((await r.forward(await sign(victim, program.points, transferTo()), { ip: "192.0.2.1", account: `wallet:${victim.address}` })).status).toBe("confirmed");
  });

  it("stops relaying members' requests once the hourly gas budget is spent, and says so", async () => {
    // This window's counter starts empty (earlier tests spent gas under the default budget).
    await suite.pool.query(`DELETE FROM auth_rate_limits WHERE key LIKE 'relay:gas:%'`);
    const r = makeRelayer({ forwardGasBudget: { maxGas: 250_000n, windowSeconds: 3600 } });
    const transfer = () => encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [privateKeyToAccount(generatePrivateKey()).address, 1n] });
    const members = await Promise.all([1, 2, 3, 4, 5].map(() => member(5n)));
    const results: string[] = [];
    for (const [i, m] of members.entries()) {
      const request = await sign(m, program.points, transfer());
      results.push(await r.forward(request, { ip: `203.0.113.${50 + i}` }).then((t) => t.status, (e) => e.code));
    }
    expect(results.filter((s) => s === "confirmed").length).toBeGreaterThan(0);
    expect(results.at(-1)).toBe("budget_exhausted");
    const used = await r.budgetUse();
    expect(used.usedGas).toBeLessThanOrEqual(250_000n);
    expect(used.maxGas).toBe(250_000n);
    // The platform's own calls (purchases) are bounded by merchants' allowances, not by this budget.
    expect((await member(1n, r)).address).toMatch(/^0x/);
  });

  it("warns in its logs when its ether runs low", async () => {
    logs = [];
    const r = makeRelayer({ lowBalanceWei: 10n ** 30n });
    await member(1n, r);
    await new Promise((res) => setTimeout(res, 200));
    const warning = logs.find((l) => l.level === "warn" && /balance/i.test(l.msg));
    expect(warning, JSON.stringify(logs.map((l) => l.msg))).toBeDefined();
    expect(warning!.fields.address).toBe(RELAYER.address);
  });
});
