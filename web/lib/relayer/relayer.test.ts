/**
 * The relayer against a real Hardhat node and a real Postgres: nonces under concurrency (two
 * "servers" on one database), simulation before nonces, the allowlist, forwarded requests, recovery
 * after a crash between signing and broadcasting, and gap filling.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  custom,
  encodeFunctionData,
  http,
  HttpRequestError,
  keccak256,
  RpcRequestError,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";
import { loyaltyForwarderAbi, loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes, purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../../../test/support/hardhat-node.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { deployTestProgram, MERCHANTS, MEMBERS, type TestProgram } from "../../../test/support/program.ts";
import { CALL_ALLOWED, checkAllowed } from "./allowlist.ts";
import { PgRelayer, type PoolLike } from "./relayer.ts";
import { RelayRejectedError, type SignedForwardRequest } from "./types.ts";

const RELAYER = devAccount(1);
const merchant = devAccount(MERCHANTS[0]!).address;
const member = devAccount(MEMBERS[0]!).address;
const quiet = () => {};

describe("relayer", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  const relayers: PgRelayer[] = [];

  function makeRelayer(options: { client?: PublicClient; confirmTimeoutMs?: number; retries?: number; perAddress?: { max: number; windowSeconds: number } } = {}) {
    const r = new PgRelayer({
      pool: suite.pool as unknown as PoolLike,
      client: options.client ?? createPublicClient({ chain: hardhat, transport: http(node.url, { batch: { batchSize: 200, wait: 0 } }), cacheTime: 0 }),
      account: RELAYER,
      chainId: hardhat.id,
      contracts: { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address },
      log: quiet,
      pollMs: 10,
      confirmTimeoutMs: options.confirmTimeoutMs,
      retries: options.retries,
      quotas: options.perAddress ? { perAddress: options.perAddress } : undefined,
    });
    relayers.push(r);
    return r;
  }

  const issueFor = (orderId: string, amount = 10n, who: Address = member) =>
    ({ to: program.points, data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, who, amount, purchaseRef(merchant, orderId)] }) });
  const nextNonce = async () => BigInt((await suite.pool.query(`SELECT next_nonce FROM relayer_accounts`)).rows[0].next_nonce);
  const txCount = async () => Number((await suite.pool.query(`SELECT count(*) FROM relayer_txs`)).rows[0].count);
  const chainNonce = () => program.publicClient.getTransactionCount({ address: RELAYER.address, blockTag: "pending" });
  const balance = (a: Address) => program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });

  beforeAll(async () => {
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    const hash = await program.wallet(MERCHANTS[0]!).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [RELAYER.address, true] });
    await program.publicClient.waitForTransactionReceipt({ hash });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(relayers.map((r) => r.stop()));
    await node?.stop();
  });

  it("hands out unique, gap-free nonces to 50 concurrent calls from two servers", async () => {
    const [a, b] = [makeRelayer(), makeRelayer()];
    const start = await chainNonce();
    const before = await balance(member);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).call({ ...issueFor(`concurrent-${i}`), idempotencyKey: `c-${i}` })));
    expect(results.every((r) => r.status === "confirmed")).toBe(true);
    expect(new Set(results.map((r) => r.hash)).size).toBe(50);
    const nonces = (await suite.pool.query(`SELECT nonce::int AS n FROM relayer_txs WHERE idempotency_key LIKE 'c-%' ORDER BY nonce`)).rows.map((r) => r.n);
    expect(nonces).toEqual(Array.from({ length: 50 }, (_, i) => start + i));
    expect(await chainNonce()).toBe(start + 50);
    expect(await nextNonce()).toBe(BigInt(start + 50));
    expect(await balance(member)).toBe(before + 500n);
    const rows = (await suite.pool.query(`SELECT DISTINCT status FROM relayer_txs WHERE idempotency_key LIKE 'c-%'`)).rows;
    expect(rows).toEqual([{ status: "confirmed" }]);
  });

  it("answers a repeated idempotency key with the first transaction, sending nothing", async () => {
    const r = makeRelayer();
    const first = await r.call({ ...issueFor("idem"), idempotencyKey: "idem" });
    const count = await txCount();
    const again = await Promise.all([1, 2, 3].map(() => r.call({ ...issueFor("idem"), idempotencyKey: "idem" })));
    expect(again.map((t) => t.hash)).toEqual([first.hash, first.hash, first.hash]);
    expect(await txCount()).toBe(count);
  });

  it("refuses a call that would revert without taking a nonce, naming the error", async () => {
    const r = makeRelayer();
    await r.call(issueFor("once"));
    const [nonce, count] = [await nextNonce(), await txCount()];
    await expect(r.call(issueFor("once"))).rejects.toMatchObject({ code: "would_revert", revertName: "RefAlreadyUsed", status: 422 });
    await expect(r.call(issueFor("huge", 10n ** 12n))).rejects.toMatchObject({ code: "would_revert", revertName: "IssuanceAllowanceExceeded" });
    // A merchant that never authorized the relayer.
    const other = devAccount(MERCHANTS[1]!).address;
    const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [other, member, 5n, purchaseRef(other, "x")] });
    await expect(r.call({ to: program.points, data })).rejects.toMatchObject({ code: "would_revert", revertName: "NotIssuingAgent" });
    expect(await nextNonce()).toBe(nonce);
    expect(await txCount()).toBe(count);
    expect(await chainNonce()).toBe(Number(nonce));
  });

  it("relays only the program's allowed functions", async () => {
    const r = makeRelayer();
    const count = await txCount();
    const issue = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issue", args: [member, 1n, keccak256(toHex("direct"))] });
    const agent = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [member, true] });
    const transfer = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [member, 1n] });
    for (const call of [
      { to: program.points, data: issue },
      { to: program.points, data: agent },
      { to: program.points, data: transfer }, // members' functions only through forward()
      { to: devAccount(9).address, data: issueFor("elsewhere").data }, // not a program contract
      { to: program.points, data: "0xdeadbeef" as Hex },
      { to: program.points, data: issueFor("truncated").data.slice(0, 80) as Hex },
    ]) {
      await expect(r.call(call)).rejects.toMatchObject({ code: "not_allowed", status: 403 });
    }
    expect(await txCount()).toBe(count);
  });

  async function signForward(from: number, to: Address, data: Hex, overrides: Partial<{ deadline: number; signer: number; gas: bigint }> = {}): Promise<SignedForwardRequest> {
    const forwarder = program.deployment.contracts.LoyaltyForwarder.address;
    const account = devAccount(overrides.signer ?? from);
    const nonce = await program.publicClient.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [devAccount(from).address] });
    const message = { from: devAccount(from).address, to, value: 0n, gas: overrides.gas ?? 100_000n, nonce, deadline: overrides.deadline ?? Math.floor(Date.now() / 1000) + 600, data };
    const signature = await account.signTypedData({ domain: forwarderDomain(hardhat.id, forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
    const { nonce: _n, ...rest } = message;
    return { ...rest, signature };
  }

  const batchOf = (who: Address, n: number, label: string, amount = 3n) =>
    encodeFunctionData({
      abi: loyaltyPointsAbi,
      functionName: "issuePurchasesFor",
      args: [who, Array.from({ length: n }, (_, i) => ({ member: devAccount(MEMBERS[i % MEMBERS.length]!).address, amount, ref: purchaseRef(who, `${label}-${i}`) }))],
    });

  it("relays a merchant's purchase batch as its agent, with a gas cap that grows with the entries", async () => {
    const r = makeRelayer();
    const before = await balance(member);
    const tx = await r.call({ to: program.points, data: batchOf(merchant, MEMBERS.length * 2, "batch-ok") });
    expect(tx.status).toBe("confirmed");
    expect(await balance(member)).toBe(before + 6n);
    // The cap is per entry: what 20 entries used fits 20 entries' cap, and 100 entries get 5 times the room.
    const receipt = await program.publicClient.getTransactionReceipt({ hash: tx.hash });
    const addresses = { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address };
    const capOf = (n: number) => (checkAllowed(addresses, CALL_ALLOWED, program.points, batchOf(merchant, n, "cap")) as { maxGas: bigint }).maxGas;
    expect(receipt.gasUsed).toBeLessThan(capOf(MEMBERS.length * 2));
    expect(capOf(100) - capOf(1)).toBe((capOf(2) - capOf(1)) * 99n);
  });

  it("refuses an empty, oversized or useless purchase batch, a non-agent's, and any batch a member forwards", async () => {
    const r = makeRelayer();
    await r.call(issueFor("fund-batch-forward", 100n));
    const [nonce, count] = [await nextNonce(), await txCount()];
    const max = Number(await program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "MAX_PURCHASE_BATCH" }));
    await expect(r.call({ to: program.points, data: batchOf(merchant, 0, "empty") })).rejects.toMatchObject({ code: "not_allowed", status: 403 });
    await expect(r.call({ to: program.points, data: batchOf(merchant, max + 1, "oversized") })).rejects.toMatchObject({ code: "not_allowed", status: 403 });
    await expect(r.call({ to: program.points, data: batchOf(merchant, 2, "zero", 0n) })).rejects.toMatchObject({ code: "not_allowed" });
    const twice = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issuePurchasesFor", args: [merchant, [1, 2].map(() => ({ member, amount: 1n, ref: purchaseRef(merchant, "twice") }))] });
    await expect(r.call({ to: program.points, data: twice })).rejects.toMatchObject({ code: "not_allowed" });
    const self = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issuePurchasesFor", args: [merchant, [{ member: merchant, amount: 1n, ref: purchaseRef(merchant, "self") }]] });
    await expect(r.call({ to: program.points, data: self })).rejects.toMatchObject({ code: "not_allowed" });
    // A merchant that never made the relayer its agent: the chain refuses, nothing is signed.
    await expect(r.call({ to: program.points, data: batchOf(devAccount(MERCHANTS[1]!).address, 3, "not-agent") })).rejects.toMatchObject({ code: "would_revert", revertName: "NotIssuingAgent" });
    // A member cannot have the relayer pay for a batch (only the purchase API, server side, sends them).
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, batchOf(merchant, 3, "from-member")))).rejects.toMatchObject({ code: "not_allowed", status: 403 });
    expect(await nextNonce()).toBe(nonce);
    expect(await txCount()).toBe(count);
  });

  it("forwards a member's signed transfer, and refuses bad signatures, expired deadlines, other functions", async () => {
    const r = makeRelayer();
    await r.call(issueFor("fund-forward", 100n));
    const to = devAccount(MEMBERS[1]!).address;
    const transfer = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [to, 7n] });
    const [fromBefore, toBefore] = [await balance(member), await balance(to)];
    const ok = await r.forward(await signForward(MEMBERS[0]!, program.points, transfer));
    expect(ok.status).toBe("confirmed");
    expect(await balance(member)).toBe(fromBefore - 7n);
    expect(await balance(to)).toBe(toBefore + 7n);

    const count = await txCount();
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, transfer, { signer: MEMBERS[2]! }))).rejects.toMatchObject({ code: "bad_signature", status: 401 });
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, transfer, { deadline: Math.floor(Date.now() / 1000) - 5 }))).rejects.toMatchObject({ code: "expired" });
    const approve = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "approve", args: [to, 1n] });
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, approve))).rejects.toMatchObject({ code: "not_allowed" });
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, transfer, { gas: 50_000_000n }))).rejects.toMatchObject({ code: "not_allowed" });
    // Valid signature, but more points than the member holds: the token's own error, no nonce.
    const tooMuch = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [to, 10n ** 9n] });
    await expect(r.forward(await signForward(MEMBERS[0]!, program.points, tooMuch))).rejects.toMatchObject({ code: "would_revert", revertName: "ERC20InsufficientBalance" });
    // A replayed request (its forwarder nonce is spent).
    const once = await signForward(MEMBERS[0]!, program.points, transfer);
    await r.forward(once);
    await expect(r.forward(once)).rejects.toMatchObject({ code: "bad_signature" });
    expect(await txCount()).toBe(count + 1);
  });

  it("relays at most its quota of requests per member, counting only requests the member really signed", async () => {
    const r = makeRelayer({ perAddress: { max: 2, windowSeconds: 3600 } });
    const [a, b] = [MEMBERS[1]!, MEMBERS[2]!];
    await r.call(issueFor("fund-quota-a", 10n, devAccount(a).address));
    await r.call(issueFor("fund-quota-b", 10n, devAccount(b).address));
    const transfer = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [devAccount(MEMBERS[0]!).address, 1n] });
    // Forged requests in b's name (signed by a) are refused and use none of b's quota.
    for (let i = 0; i < 3; i++) await expect(r.forward(await signForward(b, program.points, transfer, { signer: a }))).rejects.toMatchObject({ code: "bad_signature" });
    for (const who of [a, a, b, b]) expect((await r.forward(await signForward(who, program.points, transfer))).status).toBe("confirmed");
    const count = await txCount();
    const before = await balance(devAccount(a).address);
    await expect(r.forward(await signForward(a, program.points, transfer))).rejects.toMatchObject({ code: "rate_limited", status: 429 });
    expect(await txCount()).toBe(count);
    expect(await balance(devAccount(a).address)).toBe(before);
    // The relayer's own calls (purchases) are not members' requests: no quota.
    expect((await r.call(issueFor("after-quota", 1n, devAccount(a).address))).status).toBe("confirmed");
  });

  it("recovers after a crash between signing and broadcasting: re-broadcasts, answers the same key once", async () => {
    // A "server" whose node connection drops every broadcast: the signed transaction stays queued.
    const base = http(node.url)({ chain: hardhat });
    const dropping = createPublicClient({
      chain: hardhat,
      cacheTime: 0,
      transport: custom({
        async request({ method, params }) {
          if (method === "eth_sendRawTransaction") throw new HttpRequestError({ url: node.url, details: "connection reset" });
          return base.request({ method, params } as never);
        },
      }),
    });
    const crashed = makeRelayer({ client: dropping, retries: 0, confirmTimeoutMs: 300 });
    const before = await balance(member);
    await expect(crashed.call({ ...issueFor("crash"), idempotencyKey: "crash" })).rejects.toBeInstanceOf(RelayRejectedError);
    await crashed.stop();
    const row = (await suite.pool.query(`SELECT status, nonce::int AS n FROM relayer_txs WHERE idempotency_key = 'crash'`)).rows[0];
    expect(row.status).toBe("queued");
    expect(await chainNonce()).toBe(row.n); // never reached the node

    const restarted = makeRelayer();
    const tx = await restarted.call({ ...issueFor("crash"), idempotencyKey: "crash" });
    expect(tx.status).toBe("confirmed");
    expect(await balance(member)).toBe(before + 10n);
    expect((await suite.pool.query(`SELECT count(*)::int AS c FROM relayer_txs WHERE idempotency_key = 'crash'`)).rows[0].c).toBe(1);
    // Later calls are not stuck behind it.
    expect((await restarted.call(issueFor("after-crash"))).status).toBe("confirmed");
  });

  it("fills a nonce that was handed out but never sent, so later transactions are not stuck", async () => {
    // A nonce allocated with no transaction left to send (e.g. lost before it was stored).
    const pending = await chainNonce();
    await suite.pool.query(`UPDATE relayer_accounts SET next_nonce = next_nonce + 1`);
    const r = makeRelayer();
    const tx = await r.call(issueFor("behind-gap"));
    expect(tx.status).toBe("confirmed");
    const fill = (await suite.pool.query(`SELECT nonce::int AS n, status FROM relayer_txs WHERE kind = 'fill'`)).rows;
    expect(fill).toEqual([{ n: pending, status: expect.stringMatching(/sent|confirmed/) }]);
    expect(await chainNonce()).toBe(pending + 2);
  });

  /** A client whose first `count` broadcasts fail with `error` (then behave). */
  function flakyClient(count: number, error: () => Error) {
    const base = http(node.url)({ chain: hardhat });
    let left = count;
    return createPublicClient({
      chain: hardhat,
      cacheTime: 0,
      transport: custom({
        async request({ method, params }) {
          if (method === "eth_sendRawTransaction" && left-- > 0) throw error();
          return base.request({ method, params } as never);
        },
      }),
    });
  }

  it("retries a broadcast after transport errors, with backoff", async () => {
    const r = makeRelayer({ client: flakyClient(2, () => new HttpRequestError({ url: node.url, details: "socket hang up" })), retries: 3 });
    const before = await balance(member);
    const tx = await r.call(issueFor("flaky"));
    expect(tx.status).toBe("confirmed");
    expect(await balance(member)).toBe(before + 10n);
    expect((await suite.pool.query(`SELECT status FROM relayer_txs WHERE id = $1`, [tx.id])).rows[0].status).toBe("confirmed");
  });

  it("a later nonce that reaches an automining node first waits for the earlier one: nothing is filled, all confirm", async () => {
    // Hardhat refuses a nonce ahead of its own ("Nonce too high… can't be queued when automining").
    // This transport delivers broadcasts that arrive together in reverse order: the later nonce first.
    const base = http(node.url)({ chain: hardhat });
    let group: { params: unknown; resolve(v: unknown): void; reject(e: unknown): void }[] = [];
    let reordered = 0;
    const flush = async () => {
      const batch = group.reverse();
      group = [];
      if (batch.length > 1) reordered++;
      for (const g of batch) await base.request({ method: "eth_sendRawTransaction", params: g.params } as never).then(g.resolve, g.reject);
    };
    const client = createPublicClient({
      chain: hardhat,
      cacheTime: 0,
      transport: custom({
        async request({ method, params }) {
          if (method !== "eth_sendRawTransaction") return base.request({ method, params } as never);
          return new Promise((resolve, reject) => {
            if (!group.length) setTimeout(() => void flush(), 50);
            group.push({ params, resolve, reject });
          });
        },
      }),
    });
    const r = makeRelayer({ client, retries: 4 });
    const pending = await chainNonce();
    const fills = async () => Number((await suite.pool.query(`SELECT count(*) FROM relayer_txs WHERE kind = 'fill'`)).rows[0].count);
    const fillsBefore = await fills();
    const txs = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => r.call(issueFor(`early-${i}`))));
    expect(reordered).toBeGreaterThan(0);
    expect(txs.map((t) => t.status)).toEqual(Array(6).fill("confirmed"));
    expect(await fills()).toBe(fillsBefore);
    expect(await chainNonce()).toBe(pending + 6);
  });

  it("fills the nonce of a transaction the node refuses, tells the caller, and goes on", async () => {
    const refusal = () => new RpcRequestError({ body: {}, url: node.url, error: { code: -32003, message: "transaction underpriced" } });
    const r = makeRelayer({ client: flakyClient(1, refusal) });
    const pending = await chainNonce();
    await expect(r.call(issueFor("refused"))).rejects.toMatchObject({ code: "unavailable" });
    const rows = (await suite.pool.query(`SELECT kind, status, nonce::int AS n FROM relayer_txs WHERE nonce = $1 ORDER BY id`, [pending])).rows;
    expect(rows).toEqual([
      { kind: "call", status: "failed", n: pending },
      { kind: "fill", status: expect.stringMatching(/sent|confirmed/), n: pending },
    ]);
    expect((await r.call(issueFor("after-refusal"))).status).toBe("confirmed");
    expect(await chainNonce()).toBe(pending + 2);
  });
});
