/**
 * Purchases coalesced into issuePurchasesFor batches, through the purchase logic (recordPurchase),
 * against a real Hardhat node and a real Postgres with the real relayer: far fewer transactions than
 * purchases under load, each issued exactly once; a skipped entry answered its own 4xx while the
 * others issue; a lone purchase sent at once; and servers dying between "recorded in a batch" and
 * "answered", finished by others over the same database without losing or doubling anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, decodeFunctionData, encodeFunctionData, http, parseEventLogs, type Address, type Hash, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { DEFAULT_PROGRAM, MIGRATOR_ROLE } from "../../../contracts/spec/index.ts";
import { accountMigrationDomain, accountMigrationTypes, purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { startHardhatNode, type HardhatNode } from "../../../test/support/hardhat-node.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { deployTestProgram, MERCHANTS, OPERATOR, type TestProgram } from "../../../test/support/program.ts";
import { PgRelayer } from "../relayer/relayer.ts";
import type { Relayer } from "../relayer/types.ts";
import { PurchaseBatcher } from "./batcher.ts";
import { recordPurchase, recoverPurchases, type PurchaseDeps } from "./purchases.ts";

const RELAYER = devAccount(1);
const merchant = devAccount(MERCHANTS[0]!).address;
const tight = devAccount(MERCHANTS[1]!).address;
const fresh = () => privateKeyToAccount(generatePrivateKey()).address;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A relayer that records each batch it is asked to send (when, how many entries), optionally held at `before`. */
function spy(inner: PgRelayer, before?: (n: number) => Promise<void>, after?: (n: number) => Promise<never> | void) {
  const calls: { at: number; refs: string[] }[] = [];
  const relayer: Relayer = {
    address: inner.address,
    forward: (r, o) => inner.forward(r, o),
    findByKey: (k) => inner.findByKey(k),
    async call(c) {
      const { args } = decodeFunctionData({ abi: loyaltyPointsAbi, data: c.data }) as { args: readonly [Address, readonly { ref: Hash }[]] };
      calls.push({ at: performance.now(), refs: args[1].map((p) => p.ref) });
      const n = calls.length;
      await before?.(n);
      const tx = await inner.call(c);
      await after?.(n);
      return tx;
    },
  };
  return { calls, relayer };
}

describe("purchase batches", () => {
  const suite = useTestDatabase({ maxConnections: 40 });
  let node: HardhatNode;
  let program: TestProgram;
  let client: PublicClient;
  const relayers: PgRelayer[] = [];

  const newRelayer = () => {
    const r = new PgRelayer({
      pool: suite.pool as unknown as PoolLike,
      client,
      account: RELAYER,
      chainId: hardhat.id,
      contracts: { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address },
      log: () => {},
      pollMs: 10,
    });
    relayers.push(r);
    return r;
  };
  const depsOver = (relayer: Relayer, leaseMs?: number): PurchaseDeps => {
    const db = suite.pool as unknown as PoolLike;
    return { db, client, relayer, batcher: new PurchaseBatcher({ db, client, relayer, points: program.points }), points: program.points, leaseMs };
  };
  const balance = (a: Address) => program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
  const write = async (from: number, functionName: string, args: unknown[]) => {
    const hash = await program.wallet(from).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: functionName as never, args: args as never } as never);
    expect((await program.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
  };
  /** How many times the chain issued under each of `who`'s refs, and how many of `refs` it skipped. */
  async function onChain(who: Address, refs: Hash[] = []) {
    const logs = await program.publicClient.getLogs({ address: program.points, fromBlock: 0n, toBlock: "latest" });
    const events = parseEventLogs({ abi: loyaltyPointsAbi, logs, eventName: ["PointsIssued", "PurchaseSkipped"] }).filter((l) => l.args.merchant === who);
    const issued = new Map<string, number>();
    for (const e of events) if (e.eventName === "PointsIssued") issued.set(e.args.ref, (issued.get(e.args.ref) ?? 0) + 1);
    const mine = new Set(refs);
    return { issued, skipped: events.filter((e) => e.eventName === "PurchaseSkipped" && mine.has(e.args.ref)).length };
  }

  beforeAll(async () => {
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    for (const m of [MERCHANTS[0]!, MERCHANTS[1]!]) await write(m, "setIssuingAgent", [RELAYER.address, true]);
    client = createPublicClient({ chain: hardhat, transport: http(node.url, { batch: { batchSize: 200, wait: 2 } }), cacheTime: 0 }) as PublicClient;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(relayers.map((r) => r.stop()));
    await node?.stop();
  });

  it("issues 200 concurrent purchases in far fewer transactions, each exactly once", async () => {
    const s = spy(newRelayer());
    const deps = depsOver(s.relayer);
    const members = Array.from({ length: 25 }, fresh);
    const bodies = Array.from({ length: 200 }, (_, i) => ({ member: { address: members[i % members.length]! }, amountCents: 100 + i * 37, currency: "EUR", orderId: `many-${i}` }));
    const answers = await Promise.all(bodies.map((b) => recordPurchase(deps, merchant, b)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 201));
    const hashes = new Set(answers.map((a) => ("body" in a ? a.body.txHash : null)));
    expect(hashes.size).toBe(s.calls.length);
    expect(s.calls.length).toBeLessThanOrEqual(20);
    // Every purchase in exactly one batch, and issued once on chain.
    const sent = s.calls.flatMap((c) => c.refs);
    expect(sent).toHaveLength(200);
    expect(new Set(sent).size).toBe(200);
    const { issued, skipped } = await onChain(merchant, bodies.map((b) => purchaseRef(merchant, b.orderId)));
    for (const b of bodies) expect(issued.get(purchaseRef(merchant, b.orderId)), b.orderId).toBe(1);
    expect(skipped).toBe(0);
    // Each member holds the sum of their purchases' points (1 point per euro by default).
    for (const m of members) {
      const expected = bodies.filter((b) => b.member.address === m).reduce((sum, b) => sum + BigInt(b.amountCents) / 100n, 0n);
      expect(await balance(m)).toBe(expected);
    }
  }, 120_000);

  it("sends a lone purchase at once, in a batch of its own", async () => {
    const s = spy(newRelayer());
    const deps = depsOver(s.relayer);
    const member = fresh();
    await recordPurchase(deps, merchant, { member: { address: member }, amountCents: 1_000, currency: "EUR", orderId: "warm-up" });
    const t0 = performance.now();
    const r = await recordPurchase(deps, merchant, { member: { address: member }, amountCents: 4_200, currency: "EUR", orderId: "lone" });
    const took = performance.now() - t0;
    expect(r).toMatchObject({ status: 201, body: { status: "issued", points: "42" } });
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.refs).toEqual([purchaseRef(merchant, "lone")]);
    // No window to wait for: the batch left as soon as the purchase reached the batcher.
    expect(s.calls[1]!.at - t0).toBeLessThan(500);
    expect(took).toBeLessThan(1_500);
    expect(await balance(member)).toBe(52n);
  });

  it("answers issued, with the earlier batch's transaction, a purchase whose earlier batch issued it (RefAlreadyUsed)", async () => {
    // A batch that carried the purchase was mined, but the row no longer names it (its server died
    // before the row was written, and it was sent again): the chain skips it as RefAlreadyUsed.
    const member = fresh();
    const relayer = newRelayer();
    const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issuePurchasesFor", args: [merchant, [{ member, amount: 77n, ref: purchaseRef(merchant, "issued-earlier") }]] });
    const earlier = await relayer.call({ to: program.points, data });
    const s = spy(relayer);
    const r = await recordPurchase(depsOver(s.relayer), merchant, { member: { address: member }, amountCents: 7_700, currency: "EUR", orderId: "issued-earlier" });
    expect(r).toMatchObject({ status: 201, body: { status: "issued", points: "77", txHash: earlier.hash, blockNumber: earlier.blockNumber.toString() } });
    expect(s.calls).toHaveLength(1);
    expect(await balance(member)).toBe(77n);
    expect((await onChain(merchant)).issued.get(purchaseRef(merchant, "issued-earlier"))).toBe(1);
  });

  it("skips one entry of a batch (allowance exhausted, member moved away) with its own 4xx while the others issue", async () => {
    // The allowance: 5 points for the purchase that holds the lane, then 950 for ten purchases of 100.
    await write(OPERATOR, "setIssuanceAllowance", [tight, 955n]);
    // A member who moved to their own wallet.
    const moverKey = generatePrivateKey();
    const mover = privateKeyToAccount(moverKey);
    const wallet = fresh();
    await write(OPERATOR, "grantRole", [MIGRATOR_ROLE, devAccount(OPERATOR).address]);
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const nonce = await program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "nonces", args: [mover.address] });
    const signature = await mover.signTypedData({
      domain: accountMigrationDomain(hardhat.id, program.points, DEFAULT_PROGRAM.tokenName),
      types: accountMigrationTypes,
      primaryType: "AccountMigration",
      message: { from: mover.address, to: wallet, nonce, deadline },
    });
    await write(OPERATOR, "migrateAccount", [mover.address, wallet, deadline, signature]);

    // The first batch is held until the others queued behind it: they leave together.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = spy(newRelayer(), (n) => (n === 1 ? held : Promise.resolve()));
    const deps = depsOver(s.relayer);
    const first = recordPurchase(deps, tight, { member: { address: fresh() }, amountCents: 500, currency: "EUR", orderId: "hold" });
    await until(() => s.calls.length === 1, "the first batch");
    const members = Array.from({ length: 10 }, fresh);
    const rest = Promise.all([
      ...members.map((m, i) => recordPurchase(deps, tight, { member: { address: m }, amountCents: 10_000, currency: "EUR", orderId: `tight-${i}` })),
      // 10 points: wherever it stands in the batch, the allowance left (at least 50) covers it, so
      // the chain gets to the member's move (it checks the allowance first).
      recordPurchase(deps, tight, { member: { address: mover.address }, amountCents: 1_000, currency: "EUR", orderId: "tight-moved" }),
    ]);
    await until(() => deps.batcher.queued() === 11, "11 queued purchases");
    release();
    expect(await first).toMatchObject({ status: 201 });
    const answers = await rest;
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.refs).toHaveLength(11);
    const issued = answers.filter((a) => a.status === 201);
    expect(issued).toHaveLength(9);
    expect(new Set(issued.map((a) => ("body" in a ? a.body.txHash : null))).size).toBe(1);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toEqual(
      expect.arrayContaining([
        { status: 409, error: expect.objectContaining({ code: "allowance_exceeded", message: expect.stringContaining("available 50 points, needed 100") }) },
        { status: 422, error: expect.objectContaining({ code: "member_moved", message: expect.stringContaining(wallet) }) },
      ]),
    );
    expect(refused).toHaveLength(2);
    expect(answers.at(-1)).toMatchObject({ status: 422, error: { code: "member_moved" } });
    const balances = await Promise.all(members.map(balance));
    expect(balances.reduce((a, b) => a + b, 0n)).toBe(900n);
    expect(await balance(mover.address)).toBe(0n);
    // The failed ones are recorded as the API answered them.
    const { rows } = await suite.pool.query(`SELECT order_id, error_status, error_code FROM purchases WHERE merchant = $1 AND status = 'failed' ORDER BY order_id`, [tight.toLowerCase()]);
    expect(rows.map((r) => r.error_code).sort()).toEqual(["allowance_exceeded", "member_moved"]);
  }, 60_000);

  it("loses and doubles nothing when servers die between 'recorded in a batch' and the answer", async () => {
    const never = new Promise<never>(() => {});
    // Server A sends its first batch, which is mined, then dies before answering anyone (its later
    // purchases stay queued behind it, never batched). Server B records its first batch on the rows,
    // then dies before sending it.
    const a = spy(newRelayer(), undefined, () => never);
    const b = spy(newRelayer(), () => never);
    const depsA = depsOver(a.relayer);
    const depsB = depsOver(b.relayer);
    const members = Array.from({ length: 10 }, fresh);
    const bodies = Array.from({ length: 40 }, (_, i) => ({ member: { address: members[i % members.length]! }, amountCents: 1_000 + i * 100, currency: "EUR", orderId: `crash-${i}` }));
    for (const [i, body] of bodies.entries()) void recordPurchase(i % 2 ? depsB : depsA, merchant, body);
    await until(async () => {
      const { rows } = await suite.pool.query(`SELECT count(*)::int AS n FROM purchases WHERE order_id LIKE 'crash-%' AND points IS NOT NULL`);
      return rows[0].n === 40 && a.calls.length === 1 && b.calls.length === 1 && depsA.batcher.queued() + depsB.batcher.queued() + a.calls[0]!.refs.length + b.calls[0]!.refs.length === 40;
    }, "both servers' first batches");
    const sentByA = new Set(a.calls[0]!.refs);
    await until(async () => (await onChain(merchant)).issued.has([...sentByA][0]!), "A's batch mined");
    const { rows: recorded } = await suite.pool.query(`SELECT count(*)::int AS n FROM purchases WHERE order_id LIKE 'crash-%' AND status = 'pending' AND batch_key IS NOT NULL`);
    expect(recorded[0].n).toBe(a.calls[0]!.refs.length + b.calls[0]!.refs.length);

    // Two servers restart over the same database once the lease ran out, and sweep at the same time.
    await sleep(1_100);
    const c = spy(newRelayer());
    const d = spy(newRelayer());
    const [takenC, takenD] = await Promise.all([recoverPurchases(depsOver(c.relayer, 1_000)), recoverPurchases(depsOver(d.relayer, 1_000))]);
    expect(takenC + takenD).toBe(40);

    const { rows } = await suite.pool.query(`SELECT order_id, status, tx_hash, points FROM purchases WHERE order_id LIKE 'crash-%'`);
    expect(rows.every((r) => r.status === "issued")).toBe(true);
    // A's mined batch was resolved from its receipt, not sent again; the rest went in new batches, once each.
    const resent = [...c.calls, ...d.calls].flatMap((x) => x.refs);
    expect(resent.filter((r) => sentByA.has(r))).toEqual([]);
    expect(resent).toHaveLength(40 - sentByA.size);
    expect(new Set(resent).size).toBe(resent.length);
    const { issued, skipped } = await onChain(merchant, bodies.map((b) => purchaseRef(merchant, b.orderId)));
    for (const body of bodies) expect(issued.get(purchaseRef(merchant, body.orderId)), body.orderId).toBe(1);
    expect(skipped).toBe(0);
    for (const m of members) {
      const expected = bodies.filter((x) => x.member.address === m).reduce((sum, x) => sum + BigInt(x.amountCents) / 100n, 0n);
      expect(await balance(m)).toBe(expected);
    }
  }, 120_000);
});
