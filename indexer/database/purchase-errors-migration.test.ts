/**
 * Migration 20261203100000_purchase_error_columns on rows written before it: a failed purchase's
 * "status code message" string becomes its error columns (the string the old reader could not
 * parse becomes what it answered for it), the status becomes the purchase_status enum, and only
 * its three values (and errors only on failed purchases) can be written afterwards.
 */
import { describe, expect, it } from "vitest";
import { useMigrationStep } from "../../test/support/migration-step.ts";

const THIS = "20261203100000_purchase_error_columns";
const step = useMigrationStep(THIS);

describe("purchase error columns migration", () => {
  it("converts the rows written before it, then keeps status and errors consistent", async () => {
    const { db } = step();
    await step().applyBefore();
    const insert = (orderId: string, status: string, lastError: string | null) =>
      db.query(`INSERT INTO purchases (merchant, order_id, member, amount_cents, currency, status, ref, last_error) VALUES ('0xm', $1, '0xa', 100, 'EUR', $2, '0xr', $3)`, [orderId, status, lastError]);
    await insert("allowance", "failed", "409 allowance_exceeded the merchant's issuance allowance is too small (available 3 points, needed 50): ask the operator for more");
    await insert("multiline", "failed", "422 issuance_refused first line\nsecond line");
    await insert("unparsable", "failed", "boom");
    await insert("no-error", "failed", null);
    await insert("issued", "issued", null);
    await insert("pending", "pending", null);

    expect(await step().applyIt()).toEqual([THIS]);
    const { rows } = await db.query(`SELECT order_id, status::text, error_status, error_code, error_message FROM purchases ORDER BY order_id`);
    expect(rows).toEqual([
      {
        order_id: "allowance",
        status: "failed",
        error_status: 409,
        error_code: "allowance_exceeded",
        error_message: "the merchant's issuance allowance is too small (available 3 points, needed 50): ask the operator for more",
      },
      { order_id: "issued", status: "issued", error_status: null, error_code: null, error_message: null },
      { order_id: "multiline", status: "failed", error_status: 422, error_code: "issuance_refused", error_message: "first line\nsecond line" },
      { order_id: "no-error", status: "failed", error_status: 502, error_code: "issuance_failed", error_message: "the issuance failed" },
      { order_id: "pending", status: "pending", error_status: null, error_code: null, error_message: null },
      { order_id: "unparsable", status: "failed", error_status: 502, error_code: "issuance_failed", error_message: "boom" },
    ]);
    const { rows: type } = await db.query(`SELECT udt_name FROM information_schema.columns WHERE table_name = 'purchases' AND column_name = 'status'`);
    expect(type[0].udt_name).toBe("purchase_status");

    await expect(db.query(`UPDATE purchases SET status = 'lost' WHERE order_id = 'pending'`)).rejects.toThrow(/invalid input value for enum purchase_status/);
    await expect(db.query(`UPDATE purchases SET error_status = 500, error_code = 'x', error_message = 'y' WHERE order_id = 'issued'`)).rejects.toThrow(/purchases_error/);
    await expect(db.query(`UPDATE purchases SET status = 'failed' WHERE order_id = 'pending'`)).rejects.toThrow(/purchases_error/);
    await expect(db.query(`UPDATE purchases SET error_code = NULL WHERE order_id = 'allowance'`)).rejects.toThrow(/purchases_error/);
  });
});
