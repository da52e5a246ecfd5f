/**
 * Row-by-row comparison of the mirror with what the chain says it must hold. Pure. Each expected
 * row absent from the mirror is `missing`, each mirror row the chain does not explain is `extra`,
 * and each differing field of a row present on both sides is reported with both values.
 */
import type { MirrorTables, Row } from "./mirror-expected.ts";
import type { Discrepancy } from "./types.ts";

export type FoundTables = Record<string, Map<string, Row>>;

const describe = (row: Row) =>
  Object.entries(row)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${v.length > 80 ? `${v.slice(0, 77)}...` : v}`)
    .join(" ");

export function diffMirror(expected: MirrorTables, found: FoundTables): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const [table, want] of Object.entries(expected)) {
    const have = found[table];
    if (!have) continue; // a table the mirror does not have (reported by the caller)
    for (const [key, row] of want.rows) {
      const events = want.sources.get(key) ?? [];
      const account = want.subjects.get(key) ?? key;
      const got = have.get(key);
      if (!got) {
        out.push({ check: `mirror.${table}.missing`, account, expected: `${table}[${key}] ${describe(row)}`, found: "no row", message: `row ${key} of ${table} is missing from the mirror`, events });
        continue;
      }
      for (const [field, value] of Object.entries(row)) {
        if (!(field in got)) continue;
        if (got[field] !== value) {
          out.push({ check: `mirror.${table}.${field}`, account, expected: value, found: got[field], message: `${table}[${key}].${field} differs from the chain`, events });
        }
      }
    }
    for (const [key, row] of have) {
      if (!want.rows.has(key)) {
        out.push({ check: `mirror.${table}.extra`, account: row.to_address || row.from_address || row.owner || key, expected: "no row", found: `${table}[${key}] ${describe(row)}`, message: `row ${key} of ${table} is in the mirror but not on chain`, events: [] });
      }
    }
  }
  return out;
}
