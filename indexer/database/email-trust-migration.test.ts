/**
 * Migration 20261203130000_email_trust on rows written before it: every existing account is
 * unverified (none ever proved its address, so a shop's points to its email wait for the link)
 * and writes in French; the new tables refuse what the mail code never writes.
 */
import { describe, expect, it } from "vitest";
import { useMigrationStep } from "../../test/support/migration-step.ts";

const THIS = "20261203130000_email_trust";
const step = useMigrationStep(THIS);

describe("email trust migration", () => {
  it("leaves existing accounts unverified and in French, and links and mail rows only as the code writes them", async () => {
    const { db } = step();
    await step().applyBefore();
    await db.query(`INSERT INTO users (email, address) VALUES ('old@example.com', '0x00000000000000000000000000000000000000a1')`);
    await db.query(`INSERT INTO users (address, self_custody) VALUES ('0x00000000000000000000000000000000000000a2', true)`);

    expect(await step().applyIt()).toEqual([THIS]);

    expect((await db.query(`SELECT email, email_verified_at, language FROM users ORDER BY address`)).rows).toEqual([
      { email: "old@example.com", email_verified_at: null, language: "fr" },
      { email: null, email_verified_at: null, language: "fr" },
    ]);
    await expect(db.query(`UPDATE users SET language = 'de'`)).rejects.toThrow(/users_language/);
    const { rows: [user] } = await db.query(`SELECT id FROM users WHERE email = 'old@example.com'`);
    await expect(db.query(`INSERT INTO email_tokens (user_id, purpose, email, token_hash, expires_at) VALUES ($1, 'login', 'old@example.com', '\\x00', now())`, [user.id])).rejects.toThrow(
      /invalid input value for enum email_token_purpose/,
    );
    await db.query(`INSERT INTO email_tokens (user_id, purpose, email, token_hash, expires_at) VALUES ($1, 'verify', 'old@example.com', '\\x00', now())`, [user.id]);
    await db.query(`INSERT INTO mail_messages (fact_id, kind, user_id) VALUES ('verify:x:y', 'verify-email', $1)`, [user.id]);
    await expect(db.query(`INSERT INTO mail_messages (fact_id, kind) VALUES ('verify:x:y', 'verify-email')`)).rejects.toThrow(/mail_messages_pkey/);
    await expect(db.query(`UPDATE mail_messages SET status = 'lost'`)).rejects.toThrow(/invalid input value for enum mail_status/);
    // A users row that goes takes its links with it; its mail rows stay for the operator.
    await db.query(`DELETE FROM users WHERE id = $1`, [user.id]);
    expect((await db.query(`SELECT count(*)::int AS n FROM email_tokens`)).rows[0].n).toBe(0);
    expect((await db.query(`SELECT fact_id, user_id, status::text FROM mail_messages`)).rows).toEqual([{ fact_id: "verify:x:y", user_id: null, status: "queued" }]);
  });
});
