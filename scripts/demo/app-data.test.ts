import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/support/postgres-suite.ts";
import { authenticate } from "../../web/lib/purchases/api-keys.ts";
import { devAccount } from "../lib/dev-accounts.ts";
import { getRules, currentCampaigns, setRules } from "../../web/lib/purchases/store.ts";
import { DEMO_RULES, forgetPreviousChain, issueDemoApiKey, seedDemoEarningRules, setEnvValue } from "./app-data.ts";

const envValue = (file: string, name: string) => readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);

describe("the app demo data of npm run dev", () => {
  const t = useTestDatabase();
  const merchant = devAccount(2).address;

  it("writes a working key into the env file, keeps the file's other lines, and revokes the previous run's key", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "demo-key-")), ".env.local");
    writeFileSync(file, "KEY_ENCRYPTION_KEY=abc\n");
    await issueDemoApiKey(t.pool, merchant, file);
    const first = envValue(file, "DEMO_API_KEY")!;
    expect(await authenticate(t.pool, `Bearer ${first}`)).toMatchObject({ ok: true, merchant });

    await issueDemoApiKey(t.pool, merchant, file);
    const second = envValue(file, "DEMO_API_KEY")!;
    expect(second).not.toBe(first);
    expect(await authenticate(t.pool, `Bearer ${second}`)).toMatchObject({ ok: true, merchant });
    expect(await authenticate(t.pool, `Bearer ${first}`)).toMatchObject({ ok: false, code: "invalid_api_key" });
    expect(envValue(file, "KEY_ENCRYPTION_KEY")).toBe("abc");
    expect(readFileSync(file, "utf8").match(/DEMO_API_KEY=/g)).toHaveLength(1);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it("setEnvValue creates the file when there is none", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "demo-key-")), ".env.local");
    setEnvValue(file, "A", "1", "why");
    expect(readFileSync(file, "utf8")).toBe("# why\nA=1\n");
  });

  it("gives the demo merchants their rules and one coalition campaign, once, and never overwrites a merchant's own rules", async () => {
    const [a, b, c] = [devAccount(2).address, devAccount(3).address, devAccount(4).address];
    const own = { pointsPerEuro: 7n, cashbackBps: 0n, tierMultipliersBps: [10_000n], referralBonusPoints: 0n };
    await setRules(t.pool, c, own);
    await seedDemoEarningRules(t.pool, [a, b, c]);
    await seedDemoEarningRules(t.pool, [a, b, c]);
    expect(await getRules(t.pool, a)).toMatchObject({ ...DEMO_RULES[0], custom: true });
    expect(await getRules(t.pool, b)).toMatchObject({ ...DEMO_RULES[1], custom: true });
    expect(await getRules(t.pool, c)).toMatchObject(own);
    const coalition = (await currentCampaigns(t.pool)).filter((x) => x.merchant === null);
    expect(coalition).toHaveLength(1);
    expect(coalition[0]).toMatchObject({ kind: "multiplier", multiplierBps: 20_000n });
  });
});

describe("a new dev chain", () => {
  const t = useTestDatabase();

  it("forgets the previous chain's purchases, relayer transactions and moves, and keeps people, keys and rules", async () => {
    const merchant = devAccount(2).address.toLowerCase();
    const member = devAccount(6).address.toLowerCase();
    const friend = devAccount(7).address.toLowerCase();
    await t.pool.query(`INSERT INTO users (email, address, move_target) VALUES ('a@example.test', $1, $2)`, [member, devAccount(9).address.toLowerCase()]);
    const { rows } = await t.pool.query<{ id: string }>(
      `INSERT INTO purchases (merchant, order_id, member, amount_cents, currency, status, ref, tx_hash) VALUES ($1, 'try-1', $2, 2500, 'EUR', 'issued', '0x01', '0x02') RETURNING id`,
      [merchant, member],
    );
    await t.pool.query(`INSERT INTO referrals (member, referrer, rewarded_purchase_id) VALUES ($1, $2, $3)`, [friend, member, rows[0].id]);
    await t.pool.query(`INSERT INTO relayer_accounts (address, chain_id, next_nonce, genesis_hash) VALUES ($1, 31337, 7, '0xab')`, [merchant]);
    await t.pool.query(`INSERT INTO relayer_txs (kind, relayer, chain_id, nonce, "to", data, raw, hash, status) VALUES ('call', $1, 31337, 6, $1, '0x', '0x', '0x03', 'confirmed')`, [merchant]);
    await issueDemoApiKey(t.pool, devAccount(2).address, path.join(mkdtempSync(path.join(tmpdir(), "demo-key-")), ".env.local"));

    await forgetPreviousChain(t.pool);

    const count = async (table: string) => Number((await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    expect([await count("purchases"), await count("relayer_txs"), await count("relayer_accounts")]).toEqual([0, 0, 0]);
    expect((await t.pool.query(`SELECT email, move_target FROM users`)).rows).toEqual([{ email: "a@example.test", move_target: null }]);
    expect((await t.pool.query(`SELECT member, referrer, rewarded_purchase_id FROM referrals`)).rows).toEqual([{ member: friend, referrer: member, rewarded_purchase_id: null }]);
    expect(await count("merchant_api_keys")).toBe(1);
  });
});
