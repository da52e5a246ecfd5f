"use client";
/**
 * The member's privacy settings: consent choices (saved with their history), the data export,
 * log-out everywhere and deletion (password for email accounts; a warning while the account still
 * holds points or rewards, which need an explicit confirmation).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { Table } from "@/components/Table.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { formatDate, formatPoints } from "@/lib/format.ts";
import { ApiError, describeError } from "@/lib/tx-errors.ts";
import { postJson } from "./actions.ts";

const CHOICES = ["marketing", "partners", "analytics"] as const;
type Choice = (typeof CHOICES)[number];
export interface ConsentView {
  consents: Record<Choice, boolean>;
  history: { choice: Choice; granted: boolean; source: string; at: string }[];
}

export function PrivacySettings({ kind, initial }: { kind: "wallet" | "custodial"; initial: ConsentView }) {
  const { t, locale } = useI18n();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [view, setView] = useState(initial);
  const [choices, setChoices] = useState(initial.consents);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [holds, setHolds] = useState<{ points: string; nfts: number } | null>(null);
  const [confirmLoss, setConfirmLoss] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleted, setDeleted] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    setError(null);
    try {
      const next = await postJson<ConsentView>("/api/member/consents", choices);
      setView(next);
      setSaved(t("privacy.saved"));
    } catch (err) {
      setError(describeError(err, t));
    }
  }

  async function signedOut() {
    await queryClient.invalidateQueries();
    router.push("/member");
    router.refresh();
  }

  async function remove(e: FormEvent) {
    e.preventDefault();
    setDeleteError(null);
    setBusy(true);
    try {
      await postJson("/api/member/delete", { ...(kind === "custodial" ? { password } : {}), ...(holds ? { confirmLoss } : {}) });
      setDeleted(true);
      await queryClient.invalidateQueries();
      // The refreshed page is signed out and unmounts this component: it says so itself (?deleted=1).
      router.replace("/member/privacy?deleted=1");
      router.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.code === "still_holds_assets") setHolds({ points: String(err.details.points ?? "0"), nfts: Number(err.details.nfts ?? 0) });
      else setDeleteError(err instanceof ApiError && err.code === "bad_credentials" ? t("auth.error.bad_credentials") : describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  if (deleted) return <AccountDeleted />;

  return (
    <>
      <section aria-labelledby="consent-title" className="card">
        <h2 id="consent-title">{t("privacy.consentTitle")}</h2>
        <p className="small muted">{t("privacy.consentIntro")}</p>
        <form onSubmit={save} className="stack" data-testid="consent-form">
          <fieldset>
            <legend className="visually-hidden">{t("privacy.consentTitle")}</legend>
            {CHOICES.map((c) => (
              <label key={c} className="checkbox">
                <input type="checkbox" name={c} checked={choices[c]} onChange={(e) => setChoices({ ...choices, [c]: e.target.checked })} /> {t(`auth.consent.${c}` as MessageKey)}
              </label>
            ))}
          </fieldset>
          <div>
            <button type="submit" className="button">
              {t("privacy.save")}
            </button>
          </div>
          <div role="status">{saved && <p>{saved}</p>}</div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </form>
        <h3>{t("privacy.historyTitle")}</h3>
        {view.history.length === 0 ? (
          <p className="small">{t("privacy.historyEmpty")}</p>
        ) : (
          <Table caption={t("privacy.historyTitle")} columns={[{ label: t("privacy.when") }, { label: t("privacy.choice") }, { label: t("privacy.answer") }]} testId="consent-history">
            {[...view.history].reverse().map((h, i) => (
              <tr key={i}>
                <td>{formatDate(new Date(h.at), locale, true)}</td>
                <td>{t(`auth.consent.${h.choice}` as MessageKey)}</td>
                <td>{h.granted ? t("privacy.granted") : t("privacy.refused")}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <section aria-labelledby="export-title" className="card">
        <h2 id="export-title">{t("privacy.exportTitle")}</h2>
        <p>{t("privacy.exportText")}</p>
        <a className="button secondary" href="/api/member/export" download data-testid="export-link">
          {t("privacy.exportButton")}
        </a>
      </section>

      <section aria-labelledby="logout-all-title" className="card">
        <h2 id="logout-all-title">{t("privacy.logoutAllTitle")}</h2>
        <p>{t("privacy.logoutAllText")}</p>
        <button
          type="button"
          className="button secondary"
          onClick={async () => {
            await postJson("/api/member/logout-all", {}).catch(() => {});
            await signedOut();
          }}
        >
          {t("privacy.logoutAllButton")}
        </button>
      </section>

      <section aria-labelledby="delete-title" className="card">
        <h2 id="delete-title">{t("privacy.deleteTitle")}</h2>
        <p>{kind === "custodial" ? t("privacy.deleteText") : t("privacy.deleteWalletText")}</p>
        <form onSubmit={remove} className="stack" data-testid="delete-form">
          {kind === "custodial" && (
            <Field label={t("privacy.deletePassword")} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={deleteError} />
          )}
          {holds && (
            <div className="warning" role="alert" data-testid="delete-holds">
              <p>{t("privacy.deleteHolds", { points: formatPoints(BigInt(holds.points), locale), nfts: holds.nfts })}</p>
              <label className="checkbox">
                <input type="checkbox" name="confirmLoss" checked={confirmLoss} onChange={(e) => setConfirmLoss(e.target.checked)} /> {t("privacy.deleteConfirm")}
              </label>
            </div>
          )}
          {kind !== "custodial" && deleteError && (
            <p className="error" role="alert">
              {deleteError}
            </p>
          )}
          <div>
            <button type="submit" className="button" disabled={busy || (holds !== null && !confirmLoss)} aria-busy={busy}>
              {t("privacy.deleteButton")}
            </button>
          </div>
        </form>
      </section>
    </>
  );
}

/** What a member sees once their account is deleted (also on the signed-out page it leads to). */
export function AccountDeleted() {
  const { t } = useI18n();
  return (
    <p role="status" className="card" data-testid="deleted">
      {t("privacy.deleted")}
    </p>
  );
}
