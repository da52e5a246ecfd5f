/** The auditor's downloadable report: every account at the latest final block, CSV or JSON. */
import { runAudit } from "@/lib/audit.ts";
import { deployment } from "@/lib/config.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "csv";
  const result = await runAudit({ full: true, pageSize: Number.MAX_SAFE_INTEGER });
  const d = deployment();
  const name = `audit-${d.chainId}-block-${result.block}`;
  if (format === "json") {
    return json(
      {
        chainId: d.chainId,
        points: d.contracts.LoyaltyPoints.address,
        block: result.block,
        generatedAt: new Date().toISOString(),
        accounts: result.accounts,
        mirrorTotal: result.mirrorTotal,
        totalSupply: result.totalSupply,
        supplyOk: result.supplyOk,
        mismatches: result.mismatches.map((r) => r.address),
        rows: result.rows,
      },
      { headers: { "content-disposition": `attachment; filename="${name}.json"` } },
    );
  }
  const lines = ["address,mirror_balance,chain_balance,match"];
  for (const r of result.rows) lines.push(`${r.address},${r.mirrorBalance},${r.chainBalance},${r.ok}`);
  lines.push(`TOTAL,${result.mirrorTotal},${result.totalSupply},${result.supplyOk}`);
  return new Response(lines.join("\n") + "\n", {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}.csv"`, "cache-control": "no-store" },
  });
}
