import type { Metadata } from "next";
import Link from "next/link";
import { MoveToWallet } from "@/components/member/MoveToWallet.tsx";
import { PointsForm } from "@/components/member/TransferForm.tsx";
import { RedeemButton } from "@/components/member/RedeemButton.tsx";
import { VoucherButton } from "@/components/member/VoucherButton.tsx";
import { RewardCard, rewardImage } from "@/components/RewardCard.tsx";
import { Unavailable } from "@/components/Unavailable.tsx";
import { getSession } from "@/lib/auth/session.ts";
import { findAccount } from "@/lib/auth/account-state.ts";
import { ResendVerification } from "@/components/member/EmailLinkForms.tsx";
import { appDb } from "@/lib/data/db.ts";
import { getCatalog, getCharities, getHistory, getMemberOverview, getMirrorStatus, getSettings } from "@/lib/data/index.ts";
import type { HistoryRow } from "@/lib/data/types.ts";
import { formatDate, formatPoints, shortAddress, shortHash } from "@/lib/format.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import type { Locale, MessageKey, Translate } from "@/lib/i18n/index.ts";
import { EXPIRY_WARNING_DAYS } from "@/lib/rules.ts";
import { Table } from "@/components/Table.tsx";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("member.title") };
}

function describe(row: HistoryRow, t: Translate) {
  const who = row.counterpartyName ?? (row.counterparty ? shortAddress(row.counterparty) : "");
  switch (row.kind) {
    case "issuance":
      return t("history.issuance", { merchant: row.merchantName ?? shortAddress(row.merchant ?? "") });
    case "clawback":
      return t("history.clawback", { merchant: row.merchantName ?? shortAddress(row.merchant ?? "") });
    case "redemption":
      return t("history.redemption", { reward: row.rewardName ?? `#${row.rewardId ?? ""}` });
    case "donation":
      return t("history.donation", { charity: who });
    case "expiry":
      return t("history.expiry");
    default:
      return row.direction === "in" ? t("history.transferIn", { from: who }) : t("history.transferOut", { to: who });
  }
}

function History({ rows, t, locale }: { rows: HistoryRow[]; t: Translate; locale: Locale }) {
  if (rows.length === 0) return <p>{t("history.empty")}</p>;
  return (
    <Table
      caption={t("history.title")}
      columns={[
        { label: t("history.date") },
        { label: t("history.what") },
        { label: t("history.amount"), numeric: true },
        { label: t("history.tx"), className: "hide-phone" },
      ]}
      testId="history"
    >
      {rows.map((r) => (
        <tr key={r.id} data-kind={r.kind}>
          <td>{formatDate(r.timestamp, locale)}</td>
          <td>
            {describe(r, t)}
            <span className="visually-hidden"> — </span>
            <Link href={`/tx/${r.txHash}`} className="small" style={{ display: "block" }}>
              {t("history.details")}
              <span className="visually-hidden"> {shortHash(r.txHash)}</span>
            </Link>
          </td>
          <td className={`num ${r.direction === "in" ? "amount-in" : "amount-out"}`}>
            {r.direction === "in" ? "+" : "−"}
            {formatPoints(r.amount, locale)}
          </td>
          <td className="hide-phone mono small">
            <Link href={`/tx/${r.txHash}`}>{shortHash(r.txHash)}</Link>
          </td>
        </tr>
      ))}
    </Table>
  );
}

export default async function MemberPage({ searchParams }: { searchParams: Promise<{ cursor?: string; moved?: string }> }) {
  const { t, locale } = await getI18n();
  const session = await getSession();
  if (!session) {
    return (
      <>
        <h1>{t("member.title")}</h1>
        <div className="card">
          <p>{t("member.signInPrompt")}</p>
          <p className="small muted">{t("member.signInHow")}</p>
          <p>
            <Link href="/login" className="button">
              {t("nav.login")}
            </Link>{" "}
            <Link href="/signup" className="button secondary">
              {t("nav.signup")}
            </Link>
          </p>
        </div>
      </>
    );
  }
  const { cursor, moved } = await searchParams;
  // An email member who has not opened the verification link yet is told why it matters.
  const account = session.kind === "custodial" ? await findAccount(appDb(), session.address).catch(() => null) : null;
  let data;
  try {
    const [overview, history, catalog, charities, status, settings] = await Promise.all([
      getMemberOverview(session.address),
      getHistory(session.address, cursor ?? null),
      getCatalog(),
      getCharities(),
      getMirrorStatus(),
      getSettings(),
    ]);
    data = { overview, history, catalog, charities, status, settings };
  } catch (error) {
    return (
      <>
        <h1>{t("member.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  const { overview, history, catalog, charities, status, settings } = data;
  const who = { address: session.address, kind: session.kind };
  const nowMs = Math.max(Date.now(), status?.latestTimestamp?.getTime() ?? 0);
  const nowSeconds = BigInt(Math.floor(nowMs / 1000));
  const next = overview.nextTier;
  const tierName = t(`tier.${overview.tier}` as MessageKey);
  const expiresSoon = overview.expiresAt && overview.expiresAt.getTime() - nowMs < EXPIRY_WARNING_DAYS * 86_400_000;
  const vouchers = overview.tokens;

  return (
    <>
      <h1>{t("member.title")}</h1>
      <p className="muted small mono">{session.address}</p>
      {account?.email && !account.emailVerifiedAt && (
        <div role="status" className="card" data-testid="verify-pending">
          <p>{t("member.verifyPending")}</p>
          <ResendVerification />
        </div>
      )}
      {moved === "1" && session.kind === "wallet" && (
        <p role="status" className="card" data-testid="move-done">
          {t("move.step.done")}
        </p>
      )}

      <section aria-labelledby="status-title" className="card">
        <h2 id="status-title">{t("member.status")}</h2>
        <dl className="stats">
          <div>
            <dt>{t("member.balance")}</dt>
            <dd data-testid="member-balance">{formatPoints(overview.balance, locale)}</dd>
          </div>
          <div>
            <dt>{t("member.tier")}</dt>
            <dd data-testid="member-tier">{tierName}</dd>
          </div>
          <div>
            <dt>{t("member.lifetime")}</dt>
            <dd>{formatPoints(overview.lifetimeEarned, locale)}</dd>
          </div>
        </dl>
        {next ? (
          <div style={{ marginTop: "1rem" }}>
            <p id="progress-label">
              {t("member.progress", { remaining: formatPoints(next.remaining, locale), tier: t(`tier.${next.tier}` as MessageKey) })}
            </p>
            <div
              className="progress"
              role="progressbar"
              aria-labelledby="progress-label"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.floor(next.progressPermille / 10)}
              aria-valuetext={`${Math.floor(next.progressPermille / 10)} %`}
              data-testid="tier-progress"
            >
              <span style={{ width: `${next.progressPermille / 10}%` }} />
            </div>
          </div>
        ) : (
          <p style={{ marginTop: "1rem" }}>{t("member.topTier")}</p>
        )}
        {overview.expiresAt && (
          <p className={expiresSoon ? "warning" : "small muted"} role={expiresSoon ? "alert" : undefined} data-testid="expiry">
            {expiresSoon
              ? t("member.expiryWarning", { date: formatDate(overview.expiresAt, locale), amount: formatPoints(overview.balance, locale) })
              : t("member.expiryInfo", { date: formatDate(overview.expiresAt, locale), days: settings.inactivityPeriod / 86_400n })}
          </p>
        )}
        <p className="small muted">{session.kind === "wallet" ? t("member.walletNote") : t("member.custodialNote")}</p>
        <p className="small">
          <Link href="/member/privacy" data-testid="privacy-link">
            {t("member.privacyLink")}
          </Link>
        </p>
      </section>

      {session.kind === "custodial" && (
        <section aria-labelledby="move-title" className="card">
          <h2 id="move-title">{t("move.title")}</h2>
          <MoveToWallet custodial={session.address} />
        </section>
      )}

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t("history.title")}</h2>
        <History rows={history.rows} t={t} locale={locale} />
        <nav className="pager" aria-label={t("history.pages")}>
          {history.prevCursor !== null && (
            <Link href={history.prevCursor === "0" ? "/member#history-title" : `/member?cursor=${history.prevCursor}#history-title`}>{t("history.newer")}</Link>
          )}
          {history.page > 0 && <span>{t("history.page", { page: history.page + 1 })}</span>}
          {history.nextCursor && (
            <Link href={`/member?cursor=${history.nextCursor}#history-title`} data-testid="history-older">
              {t("history.older")}
            </Link>
          )}
        </nav>
      </section>

      <section aria-labelledby="nfts-title">
        <h2 id="nfts-title">{t("member.nfts")}</h2>
        {vouchers.length === 0 ? (
          <p>{t("member.noNfts")}</p>
        ) : (
          <div className="grid" data-testid="nfts">
            {vouchers.map((v) => (
              <article key={v.tokenId.toString()} className="card reward" aria-labelledby={`nft-${v.tokenId}`} data-testid={`nft-${v.rewardId}`} data-token={v.tokenId.toString()}>
                <img src={rewardImage(v.image)} alt="" width={240} height={120} />
                <div>
                  <h3 id={`nft-${v.tokenId}`}>{v.name}</h3>
                  <ul className="meta">
                    <li>{t(`category.${v.category}` as MessageKey)}</li>
                    {v.merchantName && <li>{v.merchantName}</li>}
                    <li>{t("member.receivedOn", { date: formatDate(v.mintedAt, locale) })}</li>
                    {v.soulbound && <li>{t("reward.soulbound")}</li>}
                    <li className="mono" title={v.tokenId.toString()}>#{shortHash(v.tokenId.toString(16).padStart(2, "0"))}</li>
                  </ul>
                </div>
                <div>
                  {v.consumed ? (
                    <p className="badge">{t("voucher.used")}</p>
                  ) : (
                    <VoucherButton session={who} tokenId={v.tokenId} merchant={v.merchant} name={v.name} />
                  )}
                </div>
              </article>
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="catalog">
        <h2 id="catalog">{t("member.catalog")}</h2>
        <div className="grid">
          {catalog
            .filter((r) => !r.mintOnly)
            .map((r) => (
              <RewardCard key={r.id.toString()} reward={r} t={t} locale={locale}>
                <RedeemButton
                  session={who}
                  rewardId={r.id}
                  name={r.name}
                  reward={{ cost: r.cost, supplyCap: r.supplyCap, minted: r.minted, minTier: r.minTier, validFrom: r.validFrom, validUntil: r.validUntil, mintOnly: r.mintOnly, paused: r.paused, merchantActive: r.merchantActive }}
                  member={{ balance: overview.balance, tier: overview.tier }}
                  nowSeconds={nowSeconds}
                />
              </RewardCard>
            ))}
        </div>
      </section>

      <div className="grid" style={{ marginTop: "1rem" }}>
        <section aria-labelledby="transfer-title" className="card">
          <h2 id="transfer-title">{t("transfer.title")}</h2>
          <PointsForm session={who} mode={{ kind: "transfer" }} balance={overview.balance} />
        </section>
        <section aria-labelledby="donate-title" className="card">
          <h2 id="donate-title">{t("donate.title")}</h2>
          {charities.length === 0 ? <p>{t("donate.none")}</p> : <PointsForm session={who} mode={{ kind: "donate", charities }} balance={overview.balance} />}
        </section>
      </div>
    </>
  );
}
