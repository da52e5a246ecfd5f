/**
 * The mail queue under crashes: worker processes (npm run mail's CLI) killed in the middle of a
 * run, stopped, restarted, and two at once, against a real Postgres and a real SMTP server in
 * this process. Every due mail arrives exactly once, counted by its fact id on the SMTP side.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpServer, type TestSmtpServer } from "../../../test/support/smtp.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { createLink } from "../auth/email-links.ts";
import { transaction } from "../auth/email-trust.ts";
import { enqueueMail, factIds, mailQueue } from "./queue.ts";

const SESSION_SECRET = randomBytes(24).toString("hex");
process.env.SESSION_SECRET = SESSION_SECRET;

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<unknown>;
}

describe("the mail worker, crashed and restarted", () => {
  const suite = useTestDatabase({ maxConnections: 6 });
  let smtp: TestSmtpServer;
  const workers: WorkerProcess[] = [];

  const startWorker = async (): Promise<WorkerProcess> => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/mail/cli.ts", "--poll", "0.5", "--maintenance", "1", "--expire-in", "2", "--retry-delay", "1", "--retry-limit", "30"],
      {
        cwd: process.cwd(),
        env: { ...process.env, LOG_FORMAT: "json", DATABASE_URL: suite.db.url, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SESSION_SECRET, APP_URL: "http://shop.test", NODE_ENV: "development" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const w = { child, output: () => out, exited: new Promise((r) => child.once("exit", r)) };
    workers.push(w);
    const until = Date.now() + 60_000;
    while (!out.includes("mail worker started")) {
      if (child.exitCode !== null) throw new Error(`the mail worker exited (${child.exitCode}):\n${out.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`the mail worker did not start:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return w;
  };
  const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    for (const w of workers) if (alive(w)) w.child.kill("SIGKILL");
    await smtp?.close();
  });

  /** `n` members, each with a verification mail queued (as sign-up does, without its argon2). */
  const queueMails = async (n: number, tag: string): Promise<string[]> => {
    const queue = await mailQueue(suite.pool);
    const facts: string[] = [];
    for (let i = 0; i < n; i++) {
      const email = `${tag}-${i}@example.com`;
      facts.push(
        await transaction(suite.pool, async (tx) => {
          const { rows } = await tx.query<{ id: string }>(`INSERT INTO users (email, address) VALUES ($1, $2) RETURNING id`, [email, `0x${randomBytes(20).toString("hex")}`]);
          const link = await createLink(tx, rows[0]!.id, "verify", email);
          const factId = factIds.verify(rows[0]!.id, link.id);
          await enqueueMail(tx, queue, { factId, kind: "verify-email", userId: rows[0]!.id, tokenId: link.id });
          return factId;
        }),
      );
    }
    return facts;
  };

  /** Waits until every fact's mail arrived, a little longer for duplicates; the count per fact. */
  const countsOf = async (facts: string[], timeoutMs = 120_000) => {
    const until = Date.now() + timeoutMs;
    const arrived = () => new Set(smtp.messages.map((m) => m.factId));
    while (facts.some((f) => !arrived().has(f))) {
      if (Date.now() > until) throw new Error(`${facts.filter((f) => !arrived().has(f)).length} of ${facts.length} mails never arrived\n${workers.at(-1)?.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 4_000));
    const counts = new Map(facts.map((f) => [f, 0]));
    for (const m of smtp.messages) if (m.factId && counts.has(m.factId)) counts.set(m.factId, counts.get(m.factId)! + 1);
    return [...counts.values()];
  };

  it("killed 10 times in the middle of sending (SIGKILL before the SMTP server accepted), restarted each time: every mail arrives exactly once", async () => {
    let worker = await startWorker();
    const facts = await queueMails(40, "kill");
    let kills = 0;
    let seen = 0;
    let restarting: Promise<void> = Promise.resolve();
    smtp.onRecipient = async () => {
      seen += 1;
      // Every third recipient, ten times: the worker dies while the server holds its RCPT TO.
      if (kills < 10 && seen % 3 === 0 && alive(worker)) {
        kills += 1;
        worker.child.kill("SIGKILL");
        await worker.exited;
        restarting = restarting.then(async () => {
          worker = await startWorker();
        });
        throw new Error("the sender is gone");
      }
    };
    const counts = await countsOf(facts);
    smtp.onRecipient = null;
    await restarting;
    expect(kills).toBe(10);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    const { rows } = await suite.pool.query(`SELECT status, count(*)::int AS n FROM mail_messages WHERE fact_id = ANY($1) GROUP BY status`, [facts]);
    expect(rows).toEqual([{ status: "sent", n: 40 }]);
    // Each killed attempt went back to the queue once its job expired (its transaction died with the worker).
    const retried = await suite.pool.query(`SELECT COALESCE(sum(retry_count), 0)::int AS n FROM pgboss.job WHERE data->>'factId' = ANY($1)`, [facts]);
    expect(retried.rows[0].n).toBeGreaterThanOrEqual(10);
    worker.child.kill("SIGTERM");
    await worker.exited;
  }, 300_000);

  it("stopped (SIGTERM) mid-run: the mail being sent completes, the rest waits for the next worker; each once", async () => {
    let worker = await startWorker();
    const facts = await queueMails(20, "stop");
    while (smtp.messages.filter((m) => facts.includes(m.factId!)).length < 5) await new Promise((r) => setTimeout(r, 20));
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain("mail worker stopped");
    const during = smtp.messages.filter((m) => facts.includes(m.factId!)).length;
    expect(during).toBeLessThan(20);
    worker = await startWorker();
    const counts = await countsOf(facts);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    worker.child.kill("SIGTERM");
    await worker.exited;
  }, 180_000);

  it("two workers at once send each mail once", async () => {
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const facts = await queueMails(30, "pair");
    const counts = await countsOf(facts);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    const { rows } = await suite.pool.query(`SELECT count(*)::int AS n FROM mail_messages WHERE fact_id = ANY($1) AND status = 'sent'`, [facts]);
    expect(rows[0].n).toBe(30);
    for (const w of [a!, b!]) w.child.kill("SIGTERM");
    await Promise.all([a!.exited, b!.exited]);
  }, 180_000);

  it("tells the operator what was sent (npm run mail -- --status)", async () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/mail/cli.ts", "--status"], { encoding: "utf8", env: { ...process.env, DATABASE_URL: suite.db.url }, timeout: 60_000 });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.mail).toEqual({ queued: 0, sent: 90, skipped: 0, failed: 0 });
    expect(report.lastFailures).toEqual([]);
  });

  it("queues a fact's mail once, however often it is asked for", async () => {
    const queue = await mailQueue(suite.pool);
    const [fact] = await queueMails(1, "twice");
    const [, userId, tokenId] = fact!.split(":");
    for (let i = 0; i < 3; i++) expect(await transaction(suite.pool, (tx) => enqueueMail(tx, queue, { factId: fact!, kind: "verify-email", userId: userId!, tokenId: tokenId! }))).toBe(false);
    const jobs = await suite.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'factId' = $1`, [fact]);
    expect(jobs.rows[0].n).toBe(1);
  });
});
