/**
 * The purchase logic against a real node and Postgres, without HTTP (the HTTP side is covered by
 * test/api/purchases.test.ts on the full stack): concurrent duplicates, retries after a failure, refunds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, encodeFunctionData, http, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../../../test/support/hardhat-node.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { deployTestProgram, MERCHANTS, type TestProgram } from "../../../test/support/program.ts";
import { PgRelayer } from "../relayer/relayer.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { PurchaseBatcher } from "./batcher.ts";
import { recordPurchase, refundPurchase, type PurchaseDeps } from "./purchases.ts";

const merchant = devAccount(MERCHANTS[0]!).address;
const fresh = () => privateKeyToAccount(generatePrivateKey()).address;

describe("purchases", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  let deps: PurchaseDeps;
  let relayer: PgRelayer;

  beforeAll(async () => {
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    const hash = await program.wallet(MERCHANTS[0]!).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [devAccount(1).address, true] });
    await program.publicClient.waitForTransactionReceipt({ hash });
    const client = createPublicClient({ chain: hardhat, transport: http(node.url, { batch: { batchSize: 200, wait: 0 } }), cacheTime: 0 }) as PublicClient;
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

  const balance = (a: `0x${string}`) => program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });

  it("issues once for concurrent duplicates and replays the result", async () => {
    const member = fresh();
    const body = { member: { address: member }, amountCents: 12_345, currency: "EUR", orderId: "dup" };
    const results = await Promise.all(Array.from({ length: 30 }, () => recordPurchase(deps, merchant, body)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200 && "body" in r && r.body.replayed === true)).toHaveLength(29);
    expect(await balance(member)).toBe(123n);
  });

  it("refunds up to what the member holds", async () => {
    const member = fresh();
    const r = await recordPurchase(deps, merchant, { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "refund" });
    expect(r.status).toBe(201);
    const refund = await refundPurchase(deps, merchant, "refund");
    expect(refund).toMatchObject({ status: 200, body: { clawedBack: "50", notClawedBack: "0", reason: null } });
    expect(await balance(member)).toBe(0n);
  });

  it("reads an order already issued on chain (an earlier attempt's answer lost) as issued, never twice", async () => {
    const member = fresh();
    // The earlier attempt: mined, but its server died before recording it.
    const earlier = await relayer.call({ to: program.points, data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, member, 30n, purchaseRef(merchant, "lost")] }) });
    const r = await recordPurchase(deps, merchant, { member: { address: member }, amountCents: 3_000, currency: "EUR", orderId: "lost" });
    expect(r).toMatchObject({ status: 201, body: { points: "30", txHash: earlier.hash, status: "issued" } });
    expect(await balance(member)).toBe(30n);
  });

  it("records a purchase worth no points without a transaction", async () => {
    const member = fresh();
    const r = await recordPurchase(deps, merchant, { member: { address: member }, amountCents: 99, currency: "EUR", orderId: "small" });
    expect(r).toMatchObject({ status: 201, body: { points: "0", txHash: null, status: "issued" } });
    const refund = await refundPurchase(deps, merchant, "small");
    expect(refund).toMatchObject({ status: 200, body: { clawedBack: "0", reason: "nothing_issued" } });
  });
});
