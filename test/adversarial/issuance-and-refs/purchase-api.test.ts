/**
 * The purchase API's "issued" against a rival merchant and the merchant's own console, on a real
 * node and Postgres with the real relayer (the purchase logic without HTTP, as
 * web/lib/purchases/purchases.test.ts). The property: the API answers "issued" only for an
 * issuance recorded on chain by this merchant, to this member, for these points; anything else
 * under the same order id is a 409 with a code, and a refund never claws back from another member.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, encodeFunctionData, http, parseEventLogs, type Address, type Hash, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { PgRelayer } from "../../../web/lib/relayer/relayer.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { PurchaseBatcher } from "../../../web/lib/purchases/batcher.ts";
import { getPurchase, recordPurchase, refundPurchase, type PurchaseDeps } from "../../../web/lib/purchases/purchases.ts";
import { startHardhatNode, type HardhatNode } from "../../support/hardhat-node.ts";
import { useTestDatabase } from "../../support/postgres-suite.ts";
import { deployTestProgram, MERCHANTS, type TestProgram } from "../../support/program.ts";

const VICTIM = MERCHANTS[0]!;
const RIVAL = MERCHANTS[1]!;
const victim = devAccount(VICTIM).address;
const fresh = () => privateKeyToAccount(generatePrivateKey()).address;

describe("adversarial — the purchase API's issued means issued", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  let deps: PurchaseDeps;
  let relayer: PgRelayer;

  const balance = (a: Address) => program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
  /** A merchant acting directly from its own wallet (the merchant console does this). */
  async function direct(merchant: number, functionName: "issue" | "clawback", args: readonly unknown[]) {
    const hash = await program.wallet(merchant).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName, args: args as never });
    expect((await program.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    return hash;
  }
  async function issuedBy(hash: Hash) {
    const receipt = await program.publicClient.getTransactionReceipt({ hash });
    return parseEventLogs({ abi: loyaltyPointsAbi, logs: receipt.logs, eventName: "PointsIssued" }).map((l) => l.args);
  }

  beforeAll(async () => {
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    const hash = await program.wallet(VICTIM).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [devAccount(1).address, true] });
    await program.publicClient.waitForTransactionReceipt({ hash });
    const client = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0 }) as PublicClient;
    relayer = new PgRelayer({
      pool: suite.pool as unknown as PoolLike,
      client,
      account: devAccount(1),
      chainId: hardhat.id,
      contracts: { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address },
      log: () => {},
      pollMs: 10,
    });
    const batcher = new PurchaseBatcher({ db: suite.pool as unknown as PoolLike, client, relayer, points: program.points });
    deps = { db: suite.pool as unknown as PoolLike, client, relayer, batcher, points: program.points };
  }, 120_000);
  afterAll(async () => {
    await relayer?.stop();
    await node?.stop();
  });

  it("a rival squatting purchaseRef(victim, order) cannot stop the victim's purchase, nor pass its own issuance off as it", async () => {
    const member = fresh();
    const squatted = purchaseRef(victim, "web-1001");
    await direct(RIVAL, "issue", [fresh(), 1n, squatted]);
    await direct(RIVAL, "clawback", [squatted, 1n]);
    const r = await recordPurchase(deps, victim, { member: { address: member }, amountCents: 4_000, currency: "EUR", orderId: "web-1001" });
    expect(r).toMatchObject({ status: 201, body: { status: "issued", points: "40" } });
    expect(await balance(member)).toBe(40n);
    expect(await issuedBy((r as unknown as { body: { txHash: Hash } }).body.txHash)).toEqual([{ merchant: victim, member, ref: squatted, amount: 40n }]);
  });

  it("after a lost answer, the retry finds the victim's own issuance, not the rival's under the same ref value", async () => {
    const member = fresh();
    const ref = purchaseRef(victim, "web-1002");
    await direct(RIVAL, "issue", [fresh(), 1n, ref]);
    const earlier = await relayer.call({ to: program.points, data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [victim, member, 25n, ref] }) });
    const r = await recordPurchase(deps, victim, { member: { address: member }, amountCents: 2_500, currency: "EUR", orderId: "web-1002" });
    expect(r).toMatchObject({ status: 201, body: { status: "issued", points: "25", txHash: earlier.hash } });
    expect(await balance(member)).toBe(25n);
  });

  it("an order id the console already issued to someone else is a 409 issuance_mismatch, never 'issued'", async () => {
    const other = fresh();
    const member = fresh();
    await direct(VICTIM, "issue", [other, 10n, purchaseRef(victim, "till-9")]);
    const r = await recordPurchase(deps, victim, { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "till-9" });
    expect(r).toMatchObject({ status: 409, error: { code: "issuance_mismatch" } });
    expect(await balance(member)).toBe(0n);
    expect(await getPurchase(deps, victim, "till-9")).toMatchObject({ status: 200, body: { status: "failed", error: { code: "issuance_mismatch" } } });
    // A retry of the same purchase gets the same answer, and still issues nothing.
    expect(await recordPurchase(deps, victim, { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "till-9" })).toMatchObject({ status: 409, error: { code: "issuance_mismatch" } });
    expect(await balance(member)).toBe(0n);
  });

  it("…and to the same member for other points, too; for exactly these points it is that issuance", async () => {
    const member = fresh();
    await direct(VICTIM, "issue", [member, 7n, purchaseRef(victim, "till-10")]);
    expect(await recordPurchase(deps, victim, { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "till-10" })).toMatchObject({
      status: 409,
      error: { code: "issuance_mismatch" },
    });
    const console = await direct(VICTIM, "issue", [member, 50n, purchaseRef(victim, "till-11")]);
    expect(await recordPurchase(deps, victim, { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "till-11" })).toMatchObject({
      status: 201,
      body: { status: "issued", points: "50", txHash: console },
    });
    expect(await balance(member)).toBe(57n);
  });

  it("a refund checks the issuance's member: a purchase recorded as issued to another member than the chain's claws nothing back (409)", async () => {
    const holder = fresh();
    const member = fresh();
    const ref = purchaseRef(victim, "legacy-1");
    await direct(VICTIM, "issue", [holder, 30n, ref]);
    // A row the previous API wrote: "issued" to `member` on the strength of the console's issuance to `holder`.
    await suite.pool.query(
      `INSERT INTO purchases (merchant, order_id, member, amount_cents, currency, status, ref, points) VALUES ($1, 'legacy-1', $2, 3000, 'EUR', 'issued', $3, 30)`,
      [victim.toLowerCase(), member.toLowerCase(), ref],
    );
    expect(await refundPurchase(deps, victim, "legacy-1")).toMatchObject({ status: 409, error: { code: "issuance_mismatch" } });
    expect(await balance(holder)).toBe(30n);
  });
});
