/**
 * KEK rotation: re-encrypts every custodial key not yet under the current KEK version
 * (web/lib/custody/kek.ts), in batches, while the app serves.
 *
 * - Each batch is one transaction over at most `batchSize` rows taken `FOR NO KEY UPDATE SKIP
 *   LOCKED` (the row lock an UPDATE of non-key columns takes: it never blocks the inserts that
 *   reference a member), in id order from a cursor: two runs share the work instead of waiting on
 *   each other, and a row the app is changing is left for later instead of waited for.
 * - A batch's rows are re-encrypted in one UPDATE whose WHERE re-checks each row's old version and ciphertext, so
 *   a concurrent change (a move to self-custody that clears the key, another run) is never
 *   overwritten; the new ciphertext is decrypted and its address checked before it is written
 *   (web/lib/custody/keys.ts `reencryptKey`).
 * - Crash-safe and idempotent: a batch commits whole or not at all, and a re-run picks up whatever is
 *   still under another version.
 * - A row that does not decrypt (corrupted, or a version with no configured KEK) is reported by id
 *   and address, left as it is, and counted as failed; the others go on. Nothing here logs a key.
 */
import { getAddress } from "viem";
import type { Logger } from "../lib/log.ts";
import type { PoolLike } from "../lib/queryable.ts";
import type { Kek } from "../../web/lib/custody/kek.ts";
import { reencryptKey } from "../../web/lib/custody/keys.ts";

export interface RotationOptions {
  pool: PoolLike;
  /** The current KEK (every key ends under its version) with the previous one for decryption. */
  kek: Kek;
  batchSize?: number;
  log?: Logger;
  /** After each committed batch: rows handled so far (rotated + failed) out of `total`. */
  onProgress?: (done: number, total: number, report: RotationReport) => void;
}

export interface RotationFailure {
  id: string;
  address: string;
  version: number;
  error: string;
}

export interface RotationReport {
  /** Custodial keys in the table when the run started. */
  total: number;
  /** Keys this run re-encrypted. */
  rotated: number;
  /** Keys under the current version that this run did not touch (before it, or by another run). */
  alreadyCurrent: number;
  /** Keys that would not decrypt: left as they are. */
  failed: number;
  failures: RotationFailure[];
  /** Keys still under another version at the end that this run could not take (held by another run
   * or by the app, or written under an older KEK meanwhile): run again. */
  pending: number;
  batches: number;
}

export interface KeyCount {
  version: number;
  keys: number;
  configured: boolean;
}

/** How many custodial keys each KEK version holds (the dry run). */
export async function countKeys(pool: PoolLike, kek: Kek): Promise<KeyCount[]> {
  const { rows } = await pool.query<{ version: number; keys: string }>(
    `SELECT key_version AS version, count(*) AS keys FROM users WHERE key_ciphertext IS NOT NULL GROUP BY key_version ORDER BY key_version`,
  );
  return rows.map((r) => ({ version: r.version, keys: Number(r.keys), configured: r.version === kek.version || r.version === kek.previous?.version }));
}

export async function rotateKeys(options: RotationOptions): Promise<RotationReport> {
  const { pool, kek, log } = options;
  const batchSize = options.batchSize ?? 500;
  const version = kek.version;
  const counts = await countKeys(pool, kek);
  const total = counts.reduce((n, c) => n + c.keys, 0);
  const toRotate = counts.filter((c) => c.version !== version).reduce((n, c) => n + c.keys, 0);
  const report: RotationReport = { total, rotated: 0, alreadyCurrent: 0, failed: 0, failures: [], pending: 0, batches: 0 };
  log?.info("kek rotation started", { version, previousVersion: kek.previous?.version ?? null, total, toRotate, batchSize });

  let cursor = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const client = await pool.connect();
    let last: string | null = null;
    const batch = { rotated: 0, failures: [] as RotationFailure[] };
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ id: string; address: string; key_ciphertext: Buffer; key_iv: Buffer; key_tag: Buffer; key_version: number }>(
        `SELECT id, address, key_ciphertext, key_iv, key_tag, key_version FROM users
          WHERE id > $1 AND key_ciphertext IS NOT NULL AND key_version <> $2
          ORDER BY id LIMIT $3 FOR NO KEY UPDATE SKIP LOCKED`,
        [cursor, version, batchSize],
      );
      const next: { id: string; ciphertext: Buffer; iv: Buffer; tag: Buffer; oldVersion: number; oldCiphertext: Buffer }[] = [];
      for (const r of rows) {
        last = r.id;
        try {
          const e = reencryptKey({ ciphertext: r.key_ciphertext, iv: r.key_iv, tag: r.key_tag, version: r.key_version }, getAddress(r.address), kek);
          next.push({ id: r.id, ciphertext: e.ciphertext, iv: e.iv, tag: e.tag, oldVersion: r.key_version, oldCiphertext: r.key_ciphertext });
        } catch (error) {
          batch.failures.push({ id: r.id, address: r.address, version: r.key_version, error: (error as Error).message });
        }
      }
      if (next.length) {
        // One statement for the batch; each row is written only if it still holds what was read.
        const { rowCount } = await client.query(
          `UPDATE users u SET key_ciphertext = n.ciphertext, key_iv = n.iv, key_tag = n.tag, key_version = $1
             FROM unnest($2::uuid[], $3::bytea[], $4::bytea[], $5::bytea[], $6::int[], $7::bytea[]) AS n(id, ciphertext, iv, tag, old_version, old_ciphertext)
            WHERE u.id = n.id AND u.key_version = n.old_version AND u.key_ciphertext = n.old_ciphertext`,
          [version, next.map((n) => n.id), next.map((n) => n.ciphertext), next.map((n) => n.iv), next.map((n) => n.tag), next.map((n) => n.oldVersion), next.map((n) => n.oldCiphertext)],
        );
        batch.rotated = rowCount ?? 0;
      }
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      client.release(true);
      throw error;
    }
    if (last === null) break;
    cursor = last;
    report.batches++;
    report.rotated += batch.rotated;
    report.failed += batch.failures.length;
    report.failures.push(...batch.failures);
    for (const f of batch.failures) log?.error("key not rotated: it does not decrypt", { id: f.id, address: f.address, version: f.version, error: f.error });
    log?.debug("kek rotation batch", { rotated: batch.rotated, failed: batch.failures.length, cursor });
    options.onProgress?.(report.rotated + report.failed, toRotate, report);
  }

  const failedIds = report.failures.map((f) => f.id);
  const { rows } = await pool.query<{ current: string; pending: string }>(
    `SELECT count(*) FILTER (WHERE key_version = $1) AS current, count(*) FILTER (WHERE key_version <> $1 AND NOT (id = ANY($2::uuid[]))) AS pending
       FROM users WHERE key_ciphertext IS NOT NULL`,
    [version, failedIds],
  );
  report.alreadyCurrent = Math.max(0, Number(rows[0]!.current) - report.rotated);
  report.pending = Number(rows[0]!.pending);
  log?.[report.failed > 0 ? "error" : report.pending > 0 ? "warn" : "info"]("kek rotation finished", {
    version, rotated: report.rotated, alreadyCurrent: report.alreadyCurrent, failed: report.failed, pending: report.pending, batches: report.batches,
  });
  return report;
}
