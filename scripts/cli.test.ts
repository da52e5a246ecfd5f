import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs one of the repository's CLIs the way a user does, under the pinned Node. */
const cli = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync("npx", ["tsx", script, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe.each(["scripts/deploy.ts", "scripts/seed.ts", "scripts/dev.ts", "scripts/mail/cli.ts", "scripts/webhooks/cli.ts"])("%s", (script) => {
  it("explains itself with --help and exits 0", () => {
    const r = cli(script, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: npm run/);
    expect(r.out).toMatch(/--help/);
  });

  it("rejects an unknown option with a message and exit code 2", () => {
    const r = cli(script, ["--no-such-option"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-such-option/);
  });
});

describe("mail worker: what it cannot work with, it says before starting", () => {
  const production = { NODE_ENV: "production", APP_URL: "https://loyalty.example", SESSION_SECRET: "s".repeat(40), DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" };
  it("refuses to run in production without an SMTP server", () => {
    const r = cli("scripts/mail/cli.ts", [], production);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/SMTP_URL \(or SMTP_HOST\) is required in production/);
  });

  it("refuses a database the indexer never migrated, without quoting the SMTP password", () => {
    const r = cli("scripts/mail/cli.ts", [], { ...production, SMTP_URL: "smtp://me:hunter2-secret@127.0.0.1:1" });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no mail_messages table/);
    expect(r.err + r.out).not.toContain("hunter2-secret");
  });
});

describe("webhook worker: what it cannot work with, it says before starting", () => {
  it("refuses a lease no longer than the delivery timeout", () => {
    const r = cli("scripts/webhooks/cli.ts", ["--lease", "10", "--timeout", "10"], { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--lease must be longer than --timeout/);
  });

  it("refuses a database the indexer never migrated", () => {
    const r = cli("scripts/webhooks/cli.ts", [], { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no webhook_deliveries table/);
  });
});

describe("deploy: bad input loses nothing", () => {
  it("rejects an operator that is not an address before touching any chain", () => {
    const r = cli("scripts/deploy.ts", ["--operator", "0x1234", "--rpc-url", "http://127.0.0.1:1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--operator is not an address: 0x1234/);
  });

  it("says clearly when the RPC cannot be reached", () => {
    const r = cli("scripts/deploy.ts", ["--rpc-url", "http://127.0.0.1:1"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the RPC at http:\/\/127\.0\.0\.1:1/);
  });

  it("refuses a malformed deployer key without echoing it", () => {
    const r = cli("scripts/deploy.ts", ["--rpc-url", "http://127.0.0.1:1"], { DEPLOYER_PRIVATE_KEY: "not-a-secret-key" });
    expect(r.code).not.toBe(0);
    expect(r.err + r.out).not.toContain("not-a-secret-key");
  });
});

describe("seed", () => {
  it("rejects a nonsensical --days", () => {
    const r = cli("scripts/seed.ts", ["--days=-3", "--rpc-url", "http://127.0.0.1:1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--days must be a whole number/);
  });
});
