/**
 * Ground truth for the indexer's suites: the mirror compared with the chain by every means the
 * project has: the audit's row-by-row comparison (scripts/audit: every mirrored table re-derived from
 * the logs, and the program's rules), the contracts' own views (test/support/program.ts), and each
 * stored block hash against the chain's (a stale block row would hide the next reorg).
 *
 *   expect(await mirrorProblems(program, db.url)).toEqual([]);
 */
import pg from "pg";
import { RpcClient } from "../../indexer/rpc/client.ts";
import { runAudit } from "../../scripts/audit/run-audit.ts";
import { compareMirror, type TestProgram } from "./program.ts";

export async function mirrorProblems(p: TestProgram, databaseUrl: string): Promise<string[]> {
  const problems = [...(await compareMirror(p, databaseUrl)).problems];
  const { report } = await runAudit({ rpcUrl: p.url, deployment: p.deployment, databaseUrl });
  for (const d of report.discrepancies) problems.push(`audit ${d.check} ${d.account}: ${d.message} (expected ${d.expected}, found ${d.found})`);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ number: string; hash: string }>(`SELECT number::text, hash FROM blocks ORDER BY number`);
    const rpc = new RpcClient(p.url);
    const chain = await rpc.getBlocks(rows.map((r) => BigInt(r.number)));
    const stale = rows.filter((r, i) => chain[i]?.hash !== r.hash);
    if (stale.length) problems.push(`${stale.length} stored block(s) not on the chain, first ${stale[0].number} ${stale[0].hash}`);
  } finally {
    await db.end();
  }
  return problems;
}
