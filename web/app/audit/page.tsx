import type { Metadata } from "next";
import Link from "next/link";
import { AuditReportDownload } from "@/components/AuditReportDownload.tsx";
import { Unavailable } from "@/components/Unavailable.tsx";
import { runAudit } from "@/lib/audit.ts";
import { getAccountTrail } from "@/lib/data/index.ts";
import { formatDate, formatPoints, shortAddress, shortHash } from "@/lib/format.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { parseAddress } from "@/lib/validate.ts";
import { Table } from "@/components/Table.tsx";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("audit.title") };
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ page?: string; account?: string }> }) {
  const { t, locale } = await getI18n();
  const sp = await searchParams;
  const page = /^\d{1,6}$/.test(sp.page ?? "") ? Number(sp.page) : 0;
  const account = sp.account ? parseAddress(sp.account) : null;
  let result;
  let trail = null;
  try {
    result = await runAudit({ page, pageSize: 50 });
    if (account?.ok) trail = await getAccountTrail(account.value);
  } catch (error) {
    return (
      <>
        <h1>{t("audit.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  const pages = Math.max(1, Math.ceil(result.accounts / result.pageSize));
  const ok = result.supplyOk && result.mismatches.length === 0;
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <p>{t("audit.intro", { block: result.block })}</p>

      <section aria-labelledby="summary-title">
        <h2 id="summary-title">{t("audit.summary")}</h2>
        <p className={ok ? "notice" : "warning"} role="status" data-testid="audit-verdict">
          {ok ? t("audit.allGood", { accounts: result.accounts }) : t("audit.problems", { count: result.mismatches.length })}
        </p>
        <Table caption={t("audit.supply")}>
          <tr>
            <th scope="row">{t("audit.block")}</th>
            <td className="num">{result.block.toString()}</td>
          </tr>
          <tr>
            <th scope="row">{t("audit.accounts")}</th>
            <td className="num">{formatPoints(BigInt(result.accounts), locale)}</td>
          </tr>
          <tr className={result.supplyOk ? "" : "mismatch"}>
            <th scope="row">{t("audit.mirrorTotal")}</th>
            <td className="num" data-testid="mirror-total">{formatPoints(result.mirrorTotal, locale)}</td>
          </tr>
          <tr className={result.supplyOk ? "" : "mismatch"}>
            <th scope="row">{t("audit.totalSupply")}</th>
            <td className="num" data-testid="total-supply">{formatPoints(result.totalSupply, locale)}</td>
          </tr>
          <tr>
            <th scope="row">{t("audit.mismatches")}</th>
            <td className="num" data-testid="mismatch-count">{result.mismatches.length}</td>
          </tr>
        </Table>
        {!result.complete && <p className="small muted">{t("audit.partial")}</p>}
      </section>

      <section aria-labelledby="report-title">
        <h2 id="report-title">{t("audit.reportTitle")}</h2>
        <AuditReportDownload />
      </section>

      {result.mismatches.length > 0 && (
        <section aria-labelledby="mismatch-title">
          <h2 id="mismatch-title">{t("audit.mismatchList")}</h2>
          <Table
            caption={t("audit.mismatchList")}
            columns={[
              { label: t("audit.account") },
              { label: t("audit.mirror"), numeric: true },
              { label: t("audit.chain"), numeric: true },
              { label: t("audit.diff"), numeric: true },
            ]}
            testId="mismatch-table"
          >
            {result.mismatches.map((r) => (
              <tr key={r.address} className="mismatch" data-testid="mismatch-row" data-address={r.address}>
                <td className="mono">
                  <Link href={`/audit?account=${r.address}#trail-title`}>{r.address}</Link>
                </td>
                <td className="num">{formatPoints(r.mirrorBalance, locale)}</td>
                <td className="num">{formatPoints(r.chainBalance, locale)}</td>
                <td className="num">{formatPoints(r.mirrorBalance - r.chainBalance, locale)}</td>
              </tr>
            ))}
          </Table>
        </section>
      )}

      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">{t("audit.accountsTitle")}</h2>
        <Table
          caption={t("audit.accountsTitle")}
          columns={[
            { label: t("audit.account") },
            { label: t("audit.mirror"), numeric: true },
            { label: t("audit.chain"), numeric: true },
            { label: t("audit.match") },
          ]}
          testId="audit-table"
        >
          {result.rows.map((r) => (
            <tr key={r.address} className={r.ok ? "" : "mismatch"} data-address={r.address}>
              <td className="mono">
                <Link href={`/audit?account=${r.address}#trail-title`} title={r.address}>
                  <span className="hide-phone">{r.address}</span>
                  <span aria-hidden="true" className="phone-only">{shortAddress(r.address)}</span>
                </Link>
              </td>
              <td className="num">{formatPoints(r.mirrorBalance, locale)}</td>
              <td className="num">{formatPoints(r.chainBalance, locale)}</td>
              <td>{r.ok ? <span className="ok">✓ {t("audit.ok")}</span> : <strong className="error">✗ {t("audit.mismatch")}</strong>}</td>
            </tr>
          ))}
        </Table>
        <nav className="pager" aria-label={t("audit.pages")}>
          {page > 0 && <Link href={`/audit?page=${page - 1}`}>{t("audit.prev")}</Link>}
          <span>{t("audit.pageOf", { page: page + 1, pages })}</span>
          {page + 1 < pages && <Link href={`/audit?page=${page + 1}`}>{t("audit.next")}</Link>}
        </nav>
      </section>

      <section aria-labelledby="trail-title">
        <h2 id="trail-title">{t("audit.trail")}</h2>
        <form method="get" action="/audit#trail-title" className="stack">
          <div className="field">
            <label htmlFor="account">{t("audit.trailAccount")}</label>
            <input id="account" name="account" defaultValue={sp.account ?? ""} placeholder="0x…" aria-invalid={account && !account.ok ? true : undefined} aria-describedby={account && !account.ok ? "account-error" : undefined} />
            {account && !account.ok && (
              <span id="account-error" className="field-error">
                {t(account.error)}
              </span>
            )}
          </div>
          <div>
            <button type="submit" className="button secondary">
              {t("audit.trailShow")}
            </button>
          </div>
        </form>
        {trail && (
          trail.length === 0 ? (
            <p>{t("history.empty")}</p>
          ) : (
            <Table
              caption={t("audit.trail")}
              columns={[
                { label: t("audit.blockCol"), numeric: true },
                { label: t("history.date") },
                { label: t("audit.kind") },
                { label: t("audit.from") },
                { label: t("audit.to") },
                { label: t("history.amount"), numeric: true },
                { label: t("history.tx") },
              ]}
              testId="trail"
              style={{ marginTop: "1rem" }}
            >
              {trail.map((e) => (
                <tr key={`${e.blockNumber}-${e.logIndex}`}>
                  <td className="num">{e.blockNumber.toString()}</td>
                  <td>{formatDate(e.timestamp, locale, true)}</td>
                  <td>{t(`kind.${e.kind}` as MessageKey)}</td>
                  <td className="mono small">{e.from ? shortAddress(e.from) : "—"}</td>
                  <td className="mono small">{e.to ? shortAddress(e.to) : "—"}</td>
                  <td className="num">{formatPoints(e.amount, locale)}</td>
                  <td className="mono small">
                    <Link href={`/tx/${e.txHash}`}>{shortHash(e.txHash)}</Link>
                  </td>
                </tr>
              ))}
            </Table>
          )
        )}
      </section>
    </>
  );
}
