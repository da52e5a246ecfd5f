"use client";
/**
 * The auditor's full report (the audit CLI's report.json, accounts.csv, discrepancies.csv),
 * prepared on demand by /api/audit/report: it re-derives the books from the chain, which takes
 * seconds on a large programme, so the page says so while it runs, then offers the three files
 * and the one-line stamp two auditors compare.
 */
import { useState } from "react";
import { useI18n } from "@/lib/i18n/client.tsx";
import { REPORT_FILES, type ReportSummary } from "@/lib/audit-report-summary.ts";

type State = { step: "idle" } | { step: "working"; started: number } | { step: "ready"; summary: ReportSummary } | { step: "failed"; message: string };

export function AuditReportDownload() {
  const { t, locale } = useI18n();
  const [mirror, setMirror] = useState(true);
  const [state, setState] = useState<State>({ step: "idle" });

  async function prepare() {
    setState({ step: "working", started: Date.now() });
    try {
      const response = await fetch(`/api/audit/report?mirror=${mirror ? 1 : 0}`, { cache: "no-store" });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      setState({ step: "ready", summary: body as ReportSummary });
    } catch (error) {
      setState({ step: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  }

  const working = state.step === "working";
  const kb = (bytes: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytes / 1024);
  return (
    <div style={{ display: "grid", gap: "0.75rem" }} data-testid="audit-report">
      <p>{t("audit.report.intro")}</p>
      <label className="checkbox">
        <input type="checkbox" checked={mirror} disabled={working} onChange={(e) => setMirror(e.target.checked)} />
        {t("audit.report.mirror")}
      </label>
      <div>
        <button type="button" className="button" onClick={prepare} disabled={working} aria-describedby="audit-report-status">
          {state.step === "ready" || state.step === "failed" ? t("audit.report.again") : t("audit.report.prepare")}
        </button>
      </div>
      <div id="audit-report-status" role="status" aria-live="polite" aria-busy={working} data-testid="audit-report-status" data-step={state.step}>
        {working && <p className="notice">{t("audit.report.working")}</p>}
        {state.step === "failed" && <p className="error">{t("audit.report.failed", { message: state.message })}</p>}
        {state.step === "ready" && (
          <>
            <p className={state.summary.ok ? "notice" : "warning"} data-testid="audit-report-verdict">
              {state.summary.ok
                ? t("audit.report.ok", { block: state.summary.block, accounts: state.summary.accounts })
                : t("audit.report.problems", { block: state.summary.block, count: state.summary.discrepancies })}
            </p>
            <p className="small">
              {t("audit.report.stamp")} <code className="mono" data-testid="audit-report-stamp">{state.summary.stamp}</code>
            </p>
            <ul>
              {REPORT_FILES.map((f) => (
                <li key={f}>
                  <a
                    href={`/api/audit/report?key=${encodeURIComponent(state.summary.key)}&file=${f}`}
                    download={state.summary.files[f].name}
                    data-testid={`audit-report-${f}`}
                  >
                    {t(`audit.report.file.${f}`)}
                  </a>{" "}
                  <span className="small muted">({kb(state.summary.files[f].bytes)} KB)</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
