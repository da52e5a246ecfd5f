/**
 * The purchase webhooks end to end without HTTP on the merchant side: a real Hardhat node, real
 * Postgres, the real purchase logic (recordPurchase, refundPurchase) queueing the webhooks in the
 * statement that records the fact, the worker delivering them to a real HTTP receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { Webhook } from "standardwebhooks";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { startHardhatNode, type HardhatNode } from "../../../test/support/hardhat-node.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { deployTestProgram, MERCHANTS, type TestProgram } from "../../../test/support/program.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../../test/support/webhook-receiver.ts";
import { PurchaseBatcher } from "../purchases/batcher.ts";
import { recordPurchase, refundPurchase, type PurchaseDeps } from "../purchases/purchases.ts";
import { PgRelayer } from "../relayer/relayer.ts";
import { createEndpoint } from "./endpoints.ts";
import { DEFAULT_TUNING, deliverNext } from "./worker.ts";

const merchant = devAccount(MERCHANTS[0]!).address;
const other = devAccount(MERCHANTS[1] ?? MERCHANTS[0]!).address;

describe("purchase webhooks", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  let deps: PurchaseDeps;
  let relayer: PgRelayer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
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
    await receiver?.close();
  });

  const drain = async () => {
    while ((await deliverNext(suite.pool, { ...DEFAULT_TUNING, timeoutMs: 2_000 })) !== "idle");
  };

  it("an issued purchase and its refund reach the merchant's endpoint, signed, each once; another merchant's endpoint hears nothing", async () => {
    const endpoint = (await createEndpoint(suite.pool, merchant, `${receiver.url}/till`, ["purchase.issued", "purchase.refunded"]))!;
    expect(MERCHANTS[1]).toBeDefined();
    await createEndpoint(suite.pool, other, `${receiver.url}/other`, ["purchase.issued", "purchase.refunded"]);
    const member = privateKeyToAccount(generatePrivateKey()).address;
    const body = { member: { address: member }, amountCents: 4_000, currency: "EUR", orderId: "hook-1" };
    const issued = await recordPurchase(deps, merchant, body);
    expect(issued.status).toBe(201);
    const issuedTx = "body" in issued ? String(issued.body.txHash) : "";
    expect(issuedTx).toMatch(/^0x[0-9a-f]{64}$/);
    // A replay of the same order queues nothing more.
    expect((await recordPurchase(deps, merchant, body)).status).toBe(200);
    const refund = await refundPurchase(deps, merchant, "hook-1");
    expect(refund).toMatchObject({ status: 200, body: { clawedBack: "40" } });
    await drain();
    expect(receiver.received.map((r) => r.path)).toEqual(["/till", "/till"]);
    const wh = new Webhook(endpoint.secret);
    const [first, second] = receiver.received.map((r) => ({ id: r.headers["webhook-id"], event: wh.verify(r.body, r.headers) as { type: string; data: Record<string, string> } }));
    expect(first!.event).toMatchObject({ type: "purchase.issued", data: { orderId: "hook-1", member: member.toLowerCase(), points: "40", txHash: issuedTx } });
    expect(first!.id).toBe(`purchase.issued:${first!.event.data.purchaseId}`);
    expect(second!.event).toMatchObject({ type: "purchase.refunded", data: { orderId: "hook-1", pointsClawedBack: "40", refundedPoints: "40", txHash: "body" in refund ? String(refund.body.txHash) : "" } });
    expect(second!.id).toBe(`purchase.refunded:${first!.event.data.purchaseId}:${second!.event.data.txHash}`);
  }, 120_000);
});
