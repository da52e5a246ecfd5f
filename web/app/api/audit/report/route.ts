/**
 * The auditor's report, the very files `npm run audit -- --out <dir>` writes (scripts/audit):
 *
 *   GET /api/audit/report?mirror=1                      prepare (or find) the report; answers its summary (JSON)
 *   GET /api/audit/report?mirror=1&file=report.json     the same, then that file (report.json, accounts.csv, discrepancies.csv)
 *   GET /api/audit/report?key=<key>&file=accounts.csv   a file of a report prepared earlier (the page's links)
 *
 * `mirror=1` compares the Postgres mirror row by row (at the mirror's block, as the CLI does with
 * --database-url); `mirror=0` (default) audits the chain alone at the latest final block.
 * Reports take seconds on a large programme: made on demand, one at a time, cached by block hash.
 */
import { currentReport, ReportExpiredError, reportByKey } from "@/lib/audit-report.ts";
import { REPORT_FILES, type ReportFile } from "@/lib/audit-report-summary.ts";
import { NoMirrorError } from "@/lib/audit.ts";
import { ServiceUnavailableError } from "@/lib/edge/errors.ts";
import { json, problem } from "@/lib/edge/response.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";
/** An audit of a large programme can take a while. */
export const maxDuration = 300;

const CONTENT_TYPES: Record<ReportFile, string> = {
  "report.json": "application/json; charset=utf-8",
  "accounts.csv": "text/csv; charset=utf-8",
  "discrepancies.csv": "text/csv; charset=utf-8",
};

/**
 * Public answers say what happened in general words: an error's own text can quote the RPC URL (a
 * provider's key in its path), a file path or a database address. The edge's log keeps the detail
 * with every URL reduced to its origin.
 */
export const GET = route({
  auth: "public",
  unexpected: fail(502, "audit_failed", "the audit could not run (the chain or the mirror did not answer): try again later"),
  async handle({ request }) {
    const params = new URL(request.url).searchParams;
    const file = params.get("file");
    if (file !== null && !(REPORT_FILES as readonly string[]).includes(file)) {
      return problem(400, "bad_file", `file must be one of ${REPORT_FILES.join(", ")}`);
    }
    const key = params.get("key");
    if (key !== null && !/^[\w-]{1,200}$/.test(key)) return problem(400, "bad_key", "malformed report key");
    try {
      const entry = key !== null ? await reportByKey(key) : await currentReport({ mirror: params.get("mirror") === "1" });
      if (file === null) return json(entry.summary);
      const f = file as ReportFile;
      return new Response(entry.files[f], {
        headers: {
          "content-type": CONTENT_TYPES[f],
          "content-disposition": `attachment; filename="${entry.summary.files[f].name}"`,
          // The content of a key never changes; the key itself is private to whoever prepared it.
          "cache-control": "private, max-age=3600, immutable",
        },
      });
    } catch (error) {
      if (error instanceof ReportExpiredError) return problem(410, "report_expired", error.message); // our own words, no detail
      // Whatever part is missing, the auditor reads one word for it.
      if (error instanceof NoMirrorError || error instanceof ServiceUnavailableError) return problem(503, "unavailable", "the audit is not available on this server right now");
      throw error;
    }
  },
});
