/**
 * Stage 4: reads the Postgres mirror (schema: indexer/database/schema/mirror.prisma) with plain SQL in one
 * REPEATABLE READ, READ ONLY transaction — a consistent snapshot even while the indexer writes —
 * and compares it row by row with what the chain says (mirror-expected.ts, mirror-diff.ts).
 */
import pg from "pg";
import type { Row } from "./mirror-expected.ts";
import type { FoundTables } from "./mirror-diff.ts";

export class MirrorError extends Error {
  override name = "MirrorError";
}

export interface MirrorState {
  chainId: number;
  genesisHash: string;
  pointsAddress: string;
  rewardsAddress: string;
  cursorNumber: number;
  cursorHash: string | null;
}

export interface MirrorSnapshot {
  state: MirrorState;
  read(block: number): Promise<FoundTables>;
  close(): Promise<void>;
}

const epoch = (col: string) => `CASE WHEN ${col} IS NULL THEN '' ELSE extract(epoch FROM ${col})::bigint::text END`;
const text = (col: string) => `COALESCE(${col}::text, '')`;

/** Each table: the key expression, then the compared columns (as text, in the expected rows' format). */
const QUERIES: Record<string, { key: string; cols: Record<string, string>; where?: string }> = {
  accounts: {
    key: "lower(address)",
    cols: { balance: text("balance"), lifetime_earned: text("lifetime_earned"), tier: text("tier"), last_activity: epoch("last_activity") },
  },
  point_events: {
    key: "block_number::text || ':' || log_index::text",
    where: "block_number <= $1",
    cols: {
      tx_hash: "lower(tx_hash)", transfer_index: text("transfer_index"), timestamp: epoch("timestamp"), kind: text("kind"),
      from_address: `lower(${text("from_address")})`, to_address: `lower(${text("to_address")})`, amount: text("amount"),
      merchant: `lower(${text("merchant")})`, ref: `lower(${text("ref")})`, reward_id: text("reward_id"), triggered_by: `lower(${text("triggered_by")})`,
    },
  },
  program_events: {
    key: "block_number::text || ':' || log_index::text",
    where: "block_number <= $1",
    cols: { tx_hash: "lower(tx_hash)", timestamp: epoch("timestamp"), contract: "contract", name: "name", args: "args::text" },
  },
  nft_transfers: {
    key: "block_number::text || ':' || log_index::text",
    where: "block_number <= $1",
    cols: { tx_hash: "lower(tx_hash)", timestamp: epoch("timestamp"), token_id: text("token_id"), from_address: "lower(from_address)", to_address: "lower(to_address)" },
  },
  reward_tokens: {
    key: "token_id::text",
    cols: { reward_id: text("reward_id"), owner: "lower(owner)", consumed: text("consumed"), minted_block: text("minted_block") },
  },
  rewards: {
    key: "id::text",
    cols: {
      merchant: "lower(merchant)", cost: text("cost"), supply_cap: text("supply_cap"), min_tier: text("min_tier"), valid_from: text("valid_from"),
      valid_until: text("valid_until"), soulbound: text("soulbound"), mint_only: text("mint_only"), category: text("category"), name: "name",
      description: "description", image: "image", paused: text("paused"), minted: text("minted"),
    },
  },
  merchants: { key: "lower(address)", cols: { name: "name", allowance: text("allowance"), active: text("active") } },
  charities: { key: "lower(address)", cols: { name: "name", active: text("active") } },
  program_settings: {
    key: "id::text",
    cols: { tier_thresholds: "COALESCE(array_to_string(tier_thresholds, ','), '')", inactivity_period: text("inactivity_period"), paused: text("paused") },
  },
};

/** Canonical JSON of a jsonb text (keys sorted), to compare args whatever the key order. */
const canonical = (json: string) => {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  try {
    return JSON.stringify(sort(JSON.parse(json)));
  } catch {
    return json;
  }
};

export async function openMirror(url: string): Promise<MirrorSnapshot> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new MirrorError(`cannot connect to the mirror database: ${(error as Error).message}`);
  }
  const close = async () => {
    await client.query("ROLLBACK").catch(() => {});
    await client.end().catch(() => {});
  };
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    const present = new Set(tables.map((t) => t.name));
    if (!present.has("indexer_state")) throw new MirrorError("the database has no indexer_state table: not a mirror (run the indexer's migrations)");
    const { rows } = await client.query(
      `SELECT chain_id, genesis_hash, points_address, rewards_address, cursor_number::text AS cursor_number, cursor_hash FROM indexer_state WHERE id = 1`,
    );
    if (!rows[0]) throw new MirrorError("the mirror is empty (no indexer_state row): the indexer never ran");
    const r = rows[0];
    const state: MirrorState = {
      chainId: Number(r.chain_id), genesisHash: r.genesis_hash, pointsAddress: String(r.points_address).toLowerCase(),
      rewardsAddress: String(r.rewards_address).toLowerCase(), cursorNumber: Number(r.cursor_number), cursorHash: r.cursor_hash,
    };
    return {
      state,
      close,
      async read(block: number) {
        const out: FoundTables = {};
        for (const [table, q] of Object.entries(QUERIES)) {
          if (!present.has(table)) continue;
          const cols = Object.entries(q.cols).map(([name, expr]) => `${expr} AS "${name}"`).join(", ");
          const sql = `SELECT ${q.key} AS "__key", ${cols} FROM "${table}"${q.where ? ` WHERE ${q.where}` : ""}`;
          const result = await client.query({ text: sql, values: q.where ? [block] : [], rowMode: "array" });
          const names = Object.keys(q.cols);
          const map = new Map<string, Row>();
          for (const values of result.rows as string[][]) {
            const row: Row = {};
            for (let i = 0; i < names.length; i++) row[names[i]] = values[i + 1] ?? "";
            if (table === "program_events") row.args = canonical(row.args);
            map.set(values[0], row);
          }
          out[table] = map;
        }
        return out;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
