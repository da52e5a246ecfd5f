/**
 * Migration 20261203110000_status_enums on rows written before it: relayer transactions keep
 * their status and kind, campaigns their kind, purchases how the merchant named the member, each
 * now an enum that refuses any other value (and a campaign still needs the field its kind uses).
 */
import { describe, expect, it } from "vitest";
import { useMigrationStep } from "../../test/support/migration-step.ts";

const THIS = "20261203110000_status_enums";
const step = useMigrationStep(THIS);

const typeOf = async (table: string, column: string) =>
  (await step().db.query(`SELECT udt_name FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, [table, column])).rows[0].udt_name;

describe("status enums migration", () => {
  it("keeps every row's value, then refuses values outside the enums", async () => {
    const { db } = step();
    await step().applyBefore();
    const statuses = ["queued", "sent", "confirmed", "reverted", "failed"];
    for (const [i, status] of statuses.entries())
      await db.query(`INSERT INTO relayer_txs (kind, relayer, chain_id, nonce, "to", data, raw, hash, status) VALUES ($1, '0xr', 31337, $2, '0xt', '0x', '0x', $3, $4)`, [i % 2 ? "forward" : "call", i, `0x0${i}`, status]);
    await db.query(`INSERT INTO relayer_txs (kind, relayer, chain_id, nonce, "to", data, raw, hash, status) VALUES ('fill', '0xr', 31337, 9, '0xr', '0x', '0x', '0x09', 'sent')`);
    await db.query(`INSERT INTO campaigns (merchant, name, kind, multiplier_bps, starts_at, ends_at) VALUES (NULL, 'Double', 'multiplier', 20000, now(), now() + interval '1 day')`);
    await db.query(`INSERT INTO campaigns (merchant, name, kind, bonus_points, starts_at, ends_at) VALUES ('0xm', 'Bonus', 'bonus', 40, now(), now() + interval '1 day')`);
    for (const given of ["address", "email", "id"])
      await db.query(`INSERT INTO purchases (merchant, order_id, member, member_given, amount_cents, currency, status, ref) VALUES ('0xm', $1, '0xa', $1, 100, 'EUR', 'issued', '0xr')`, [given]);
    await db.query(`INSERT INTO purchases (merchant, order_id, member, amount_cents, currency, status, ref) VALUES ('0xm', 'unsaid', '0xa', 100, 'EUR', 'issued', '0xr')`);

    expect(await step().applyIt()).toEqual([THIS]);

    const txs = (await db.query(`SELECT kind::text, status::text FROM relayer_txs ORDER BY nonce`)).rows;
    expect(txs).toEqual([...statuses.map((status, i) => ({ kind: i % 2 ? "forward" : "call", status })), { kind: "fill", status: "sent" }]);
    expect((await db.query(`SELECT name, kind::text FROM campaigns ORDER BY name`)).rows).toEqual([{ name: "Bonus", kind: "bonus" }, { name: "Double", kind: "multiplier" }]);
    expect((await db.query(`SELECT order_id, member_given::text FROM purchases ORDER BY order_id`)).rows).toEqual([
      { order_id: "address", member_given: "address" },
      { order_id: "email", member_given: "email" },
      { order_id: "id", member_given: "id" },
      { order_id: "unsaid", member_given: "address" },
    ]);
    expect([await typeOf("relayer_txs", "status"), await typeOf("relayer_txs", "kind"), await typeOf("campaigns", "kind"), await typeOf("purchases", "member_given")]).toEqual([
      "relayer_tx_status",
      "relayer_tx_kind",
      "campaign_kind",
      "purchase_member_given",
    ]);

    await expect(db.query(`UPDATE relayer_txs SET status = 'lost'`)).rejects.toThrow(/invalid input value for enum relayer_tx_status/);
    await expect(db.query(`UPDATE relayer_txs SET kind = 'gift'`)).rejects.toThrow(/invalid input value for enum relayer_tx_kind/);
    await expect(db.query(`UPDATE campaigns SET kind = 'lottery'`)).rejects.toThrow(/invalid input value for enum campaign_kind/);
    await expect(db.query(`UPDATE purchases SET member_given = 'phone'`)).rejects.toThrow(/invalid input value for enum purchase_member_given/);
    // The kind still decides which field a campaign needs.
    await expect(db.query(`UPDATE campaigns SET kind = 'bonus' WHERE name = 'Double'`)).rejects.toThrow(/campaigns_kind/);
  });
});
