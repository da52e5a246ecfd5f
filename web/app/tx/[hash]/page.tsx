import type { Metadata } from "next";
import { isHash, type Hash } from "viem";
import { Unavailable } from "@/components/Unavailable.tsx";
import { getTransactionView } from "@/lib/chain/server.ts";
import { getTxEvents } from "@/lib/data/index.ts";
import { formatDate } from "@/lib/format.ts";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("tx.title") };
}

/** A transaction of the program, decoded with the generated ABIs: status, block, events. */
export default async function TxPage({ params }: { params: Promise<{ hash: string }> }) {
  const { t, locale } = await getI18n();
  const { hash } = await params;
  if (!isHash(hash)) {
    return (
      <>
        <h1>{t("tx.title")}</h1>
        <p className="error" role="alert">
          {t("tx.badHash")}
        </p>
      </>
    );
  }
  let view;
  let mirrored = 0;
  try {
    view = await getTransactionView(hash as Hash);
    mirrored = await getTxEvents(hash).catch(() => 0);
  } catch (error) {
    return (
      <>
        <h1>{t("tx.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  const statusText = { success: t("tx.success"), reverted: t("tx.failedStatus"), pending: t("tx.pending"), unknown: t("tx.unknown") }[view.status];
  return (
    <>
      <h1>{t("tx.title")}</h1>
      <p className="mono small">{view.hash}</p>
      <dl className="kv card">
        <dt>{t("tx.status")}</dt>
        <dd data-testid="tx-status" className={view.status === "success" ? "ok" : view.status === "reverted" ? "error" : ""}>
          {statusText}
        </dd>
        <dt>{t("tx.block")}</dt>
        <dd>{view.blockNumber?.toString() ?? "—"}</dd>
        <dt>{t("tx.time")}</dt>
        <dd>{view.blockTime ? formatDate(view.blockTime, locale, true) : "—"}</dd>
        <dt>{t("tx.from")}</dt>
        <dd className="mono">{view.from ?? "—"}</dd>
        <dt>{t("tx.to")}</dt>
        <dd className="mono">{view.to ?? "—"}</dd>
        <dt>{t("tx.mirror")}</dt>
        <dd>{mirrored > 0 ? t("tx.mirrored", { count: mirrored }) : t("tx.notMirrored")}</dd>
      </dl>
      <h2>{t("tx.events")}</h2>
      {view.events.length === 0 ? (
        <p>{t("tx.noEvents")}</p>
      ) : (
        <ol className="events">
          {view.events.map((e) => (
            <li key={e.logIndex} className="card" style={{ marginBottom: "0.5rem" }}>
              <h3>
                {e.contract}.{e.name} <span className="small muted">#{e.logIndex}</span>
              </h3>
              <dl className="kv small">
                {e.args.map(([k, v]) => (
                  <div key={k} style={{ display: "contents" }}>
                    <dt>{k}</dt>
                    <dd className="mono">{v}</dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
