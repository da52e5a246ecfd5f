/**
 * The webhook outbox and its worker against a real Postgres and a real HTTP receiver in this
 * process: signatures that verify with the endpoint's secret (the standardwebhooks package, as a
 * receiver would), retries with the same webhook-id, a fact queued twice sent once, merchants kept
 * apart, and worker processes (npm run webhooks) killed, stopped and restarted losing nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../../test/support/webhook-receiver.ts";
import { createEndpoint, disableEndpoint, listEndpoints } from "./endpoints.ts";
import { purchaseIssued } from "./outbox.ts";
import { DEFAULT_TUNING, deliverNext, type WebhookTuning } from "./worker.ts";

const merchantA = `0x${"a1".repeat(20)}` as Address;
const merchantB = `0x${"b2".repeat(20)}` as Address;
const fast: WebhookTuning = { ...DEFAULT_TUNING, timeoutMs: 2_000, leaseSeconds: 5, retryDelaySeconds: 0, retryLimit: 5 };

describe("webhooks", () => {
  const suite = useTestDatabase({ maxConnections: 6 });
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  afterEach(async () => {
    receiver.respond = null;
    receiver.received.length = 0;
    await suite.pool.query(`DELETE FROM webhook_endpoints`);
  });

  /** A purchase of `merchant` recorded as issued, its webhooks queued as purchases.ts does (the outbox SQL in the same statement). */
  const issue = async (merchant: Address, id = randomUUID()) => {
    const { rows } = await suite.pool.query<{ id: string }>(
      `WITH p AS (SELECT $1::uuid AS id, $2::text AS merchant, $3::text AS order_id, $4::text AS member, 120::bigint AS points, $5::text AS tx_hash, 7::bigint AS block_number),
            w AS (${purchaseIssued("p")}) SELECT id FROM p`,
      [id, merchant.toLowerCase(), `order-${id.slice(0, 8)}`, `0x${randomBytes(20).toString("hex")}`, `0x${randomBytes(32).toString("hex")}`],
    );
    return `purchase.issued:${rows[0]!.id}`;
  };
  const drain = async (tuning = fast) => {
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const o = await deliverNext(suite.pool, tuning);
      if (o === "idle") break;
      outcomes.push(o);
    }
    return outcomes;
  };

  it("delivers a purchase.issued that verifies with the endpoint's secret and carries the fact", async () => {
    const endpoint = (await createEndpoint(suite.pool, merchantA, `${receiver.url}/hooks/a`, ["purchase.issued"]))!;
    const fact = await issue(merchantA);
    expect(await drain()).toEqual(["sent"]);
    expect(receiver.received).toHaveLength(1);
    const r = receiver.received[0]!;
    expect(r.path).toBe("/hooks/a");
    expect(r.headers["webhook-id"]).toBe(fact);
    expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const event = new Webhook(endpoint.secret).verify(r.body, r.headers) as { type: string; data: Record<string, string> };
    expect(event).toMatchObject({ type: "purchase.issued", data: { purchaseId: fact.split(":")[1], points: "120", blockNumber: "7" } });
    expect(event.data.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(event.data.member).toMatch(/^0x[0-9a-f]{40}$/);
    // Another secret does not verify it; a tampered body does not either.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString("base64")}`).verify(r.body, r.headers)).toThrow();
    expect(() => new Webhook(endpoint.secret).verify(r.body.replace("120", "999"), r.headers)).toThrow();
    const [listed] = await listEndpoints(suite.pool, merchantA);
    expect(listed).toMatchObject({ id: endpoint.id, deliveries: { queued: 0, sent: 1, failed: 0 } });
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret.slice(6, 20));
  });

  it("retries a receiver that answers 500 twice: it gets the webhook three times with the same webhook-id, and the row ends sent", async () => {
    const endpoint = (await createEndpoint(suite.pool, merchantA, `${receiver.url}/flaky`, ["purchase.issued"]))!;
    let calls = 0;
    receiver.respond = () => (++calls <= 2 ? 500 : 200);
    const fact = await issue(merchantA);
    expect(await drain()).toEqual(["retry", "retry", "sent"]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([fact, fact, fact]);
    for (const r of receiver.received) expect(new Webhook(endpoint.secret).verify(r.body, r.headers)).toBeTruthy();
    const { rows } = await suite.pool.query(`SELECT status, attempts, last_status_code FROM webhook_deliveries WHERE fact_id = $1`, [fact]);
    expect(rows).toEqual([{ status: "sent", attempts: 3, last_status_code: 200 }]);
  });

  it("backs off exponentially and marks the delivery failed when its retries run out", async () => {
    await createEndpoint(suite.pool, merchantA, `${receiver.url}/down`, ["purchase.issued"]);
    receiver.respond = () => 503;
    const fact = await issue(merchantA);
    expect(await deliverNext(suite.pool, { ...fast, retryDelaySeconds: 30 })).toBe("retry");
    const { rows } = await suite.pool.query<{ s: number }>(`SELECT extract(epoch FROM next_attempt_at - now())::float AS s FROM webhook_deliveries WHERE fact_id = $1`, [fact]);
    expect(rows[0]!.s).toBeGreaterThan(25);
    // Not due yet: nothing is sent before its time.
    expect(await deliverNext(suite.pool, fast)).toBe("idle");
    await suite.pool.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE fact_id = $1`, [fact]);
    expect(await deliverNext(suite.pool, { ...fast, retryDelaySeconds: 30 })).toBe("retry");
    const second = await suite.pool.query<{ s: number }>(`SELECT extract(epoch FROM next_attempt_at - now())::float AS s FROM webhook_deliveries WHERE fact_id = $1`, [fact]);
    expect(second.rows[0]!.s).toBeGreaterThan(55);
    await suite.pool.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE fact_id = $1`, [fact]);
    expect(await drain({ ...fast, retryLimit: 3 })).toEqual(["retry", "failed"]);
    const { rows: end } = await suite.pool.query(`SELECT status, attempts, last_error FROM webhook_deliveries WHERE fact_id = $1`, [fact]);
    expect(end).toEqual([{ status: "failed", attempts: 4, last_error: "the endpoint answered 503" }]);
  });

  it("retries an endpoint that does not answer within the timeout", async () => {
    await createEndpoint(suite.pool, merchantA, `${receiver.url}/slow`, ["purchase.issued"]);
    let calls = 0;
    receiver.respond = async () => (++calls === 1 ? new Promise((r) => setTimeout(() => r(200), 1_500)) : 200);
    const fact = await issue(merchantA);
    const started = Date.now();
    expect(await deliverNext(suite.pool, { ...fast, timeoutMs: 300 })).toBe("retry");
    expect(Date.now() - started).toBeLessThan(1_400);
    const { rows } = await suite.pool.query(`SELECT last_error FROM webhook_deliveries WHERE fact_id = $1`, [fact]);
    expect(rows[0].last_error).toMatch(/no answer within 300 ms/);
    expect(await drain()).toEqual(["sent"]);
  });

  it("delivers the same fact once, however often it is queued", async () => {
    await createEndpoint(suite.pool, merchantA, `${receiver.url}/once`, ["purchase.issued"]);
    const id = randomUUID();
    await issue(merchantA, id);
    await issue(merchantA, id);
    await Promise.all([issue(merchantA, id), issue(merchantA, id)]);
    expect(await drain()).toEqual(["sent"]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([`purchase.issued:${id}`]);
  });

  it("never sends a merchant's events to another merchant's endpoint, nor to a disabled one, nor events it did not ask for", async () => {
    const a = (await createEndpoint(suite.pool, merchantA, `${receiver.url}/a`, ["purchase.issued"]))!;
    await createEndpoint(suite.pool, merchantB, `${receiver.url}/b`, ["purchase.issued", "purchase.refunded"]);
    await createEndpoint(suite.pool, merchantB, `${receiver.url}/b-refunds`, ["purchase.refunded"]);
    const factA = await issue(merchantA);
    const factB = await issue(merchantB);
    expect(await drain()).toEqual(["sent", "sent"]);
    const byPath = Object.fromEntries(receiver.received.map((r) => [r.path, r.headers["webhook-id"]]));
    expect(byPath).toEqual({ "/a": factA, "/b": factB });
    // Merchant B cannot disable merchant A's endpoint; A can, and its queued deliveries then fail unsent.
    expect(await disableEndpoint(suite.pool, merchantB, a.id)).toBe(false);
    const later = await issue(merchantA);
    expect(await disableEndpoint(suite.pool, merchantA, a.id)).toBe(true);
    expect(await drain()).toEqual(["failed"]);
    const { rows } = await suite.pool.query(`SELECT status, last_error FROM webhook_deliveries WHERE fact_id = $1`, [later]);
    expect(rows).toEqual([{ status: "failed", last_error: "endpoint disabled" }]);
    expect(receiver.received).toHaveLength(2);
    await issue(merchantA);
    expect(await drain()).toEqual([]);
  });

  describe("worker processes killed, stopped and restarted", () => {
    interface WorkerProcess {
      child: ChildProcess;
      output(): string;
      exited: Promise<unknown>;
    }
    const workers: WorkerProcess[] = [];
    const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;
    afterAll(() => {
      for (const w of workers) if (alive(w)) w.child.kill("SIGKILL");
    });
    const startWorker = async (): Promise<WorkerProcess> => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/webhooks/cli.ts", "--poll", "0.2", "--lease", "2", "--timeout", "1", "--retry-delay", "1", "--retry-limit", "30", "--concurrency", "2"], {
        cwd: process.cwd(),
        env: { ...process.env, LOG_FORMAT: "json", DATABASE_URL: suite.db.url, NODE_ENV: "development" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      const w = { child, output: () => out, exited: new Promise((r) => child.once("exit", r)) };
      workers.push(w);
      const until = Date.now() + 60_000;
      while (!out.includes("webhook worker started")) {
        if (child.exitCode !== null) throw new Error(`the webhook worker exited (${child.exitCode}):\n${out.slice(-2000)}`);
        if (Date.now() > until) throw new Error(`the webhook worker did not start:\n${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return w;
    };
    const delivered = () => new Set(receiver.received.filter((r) => r.headers["webhook-id"]).map((r) => r.headers["webhook-id"]!));
    const waitForAll = async (facts: string[], timeoutMs = 90_000) => {
      const until = Date.now() + timeoutMs;
      while (facts.some((f) => !delivered().has(f))) {
        if (Date.now() > until) throw new Error(`${facts.filter((f) => !delivered().has(f)).length} of ${facts.length} webhooks never arrived\n${workers.at(-1)?.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    it("killed 6 times while the receiver holds a delivery, restarted each time: every due webhook arrives (a distinct webhook-id per fact, none missing), and every row ends sent", async () => {
      const endpoint = (await createEndpoint(suite.pool, merchantA, `${receiver.url}/crash`, ["purchase.issued"]))!;
      let worker = await startWorker();
      const facts: string[] = [];
      for (let i = 0; i < 30; i++) facts.push(await issue(merchantA));
      let kills = 0;
      let seen = 0;
      let nextKill = 2;
      let restarting: Promise<void> = Promise.resolve();
      receiver.respond = async () => {
        seen += 1;
        // Every few requests of a live worker, six times: it dies while the receiver holds its request.
        if (kills < 6 && seen >= nextKill && alive(worker)) {
          kills += 1;
          nextKill = seen + 3;
          worker.child.kill("SIGKILL");
          await worker.exited;
          restarting = restarting.then(async () => {
            worker = await startWorker();
          });
          throw new Error("the sender is gone");
        }
        return 200;
      };
      await waitForAll(facts);
      await restarting;
      expect(kills).toBe(6);
      const ids = new Set(receiver.received.map((r) => r.headers["webhook-id"]));
      expect([...ids].sort()).toEqual([...facts].sort());
      for (const r of receiver.received) expect(new Webhook(endpoint.secret).verify(r.body, r.headers)).toBeTruthy();
      const until = Date.now() + 10_000;
      let rows: { status: string; n: number }[] = [];
      while (Date.now() < until) {
        rows = (await suite.pool.query(`SELECT status::text, count(*)::int AS n FROM webhook_deliveries WHERE fact_id = ANY($1) GROUP BY status`, [facts])).rows;
        if (rows.length === 1 && rows[0]!.status === "sent") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows).toEqual([{ status: "sent", n: 30 }]);
      worker.child.kill("SIGTERM");
      await worker.exited;
    }, 180_000);

    it("stopped (SIGTERM) with webhooks due and restarted: the new worker delivers all of them; --status counts them", async () => {
      await createEndpoint(suite.pool, merchantA, `${receiver.url}/stop`, ["purchase.issued"]);
      const first = await startWorker();
      const facts: string[] = [];
      for (let i = 0; i < 10; i++) facts.push(await issue(merchantA));
      first.child.kill("SIGTERM");
      await first.exited;
      expect(first.output()).toContain("webhook worker stopped");
      for (let i = 0; i < 10; i++) facts.push(await issue(merchantA));
      const second = await startWorker();
      await waitForAll(facts);
      second.child.kill("SIGTERM");
      await second.exited;
      expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).toBe(20);
      const status = spawn(process.execPath, ["--import", "tsx", "scripts/webhooks/cli.ts", "--status"], { env: { ...process.env, DATABASE_URL: suite.db.url }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      status.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await new Promise((r) => status.once("exit", r));
      expect(JSON.parse(out).webhooks).toEqual({ queued: 0, sent: 20, failed: 0 });
      // No secret is ever logged.
      const { rows } = await suite.pool.query<{ secret: string }>(`SELECT secret FROM webhook_endpoints`);
      for (const w of workers) for (const { secret } of rows) expect(w.output()).not.toContain(secret.slice(6));
    }, 120_000);
  });
});
