"use client";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { Table } from "@/components/Table.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import { useConsoleAction } from "./console-action.ts";

export interface ApiKeyRow {
  id: string;
  prefix: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** The merchant's purchase-API keys: create (the plain key shown once), list, revoke. */
export function ApiKeys({ keys }: { keys: ApiKeyRow[] }) {
  const { t, locale } = useI18n();
  const action = useConsoleAction();
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<{ key: string; label: string } | null>(null);
  const date = (iso: string | null) => (iso ? new Date(iso).toLocaleString(locale === "fr" ? "fr-FR" : "en-GB") : "—");

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!label.trim()) return action.setError(t("error.text.required"));
    const r = await action.run<{ key: string; label: string }>("/api/merchant/api-keys", { label: label.trim() });
    if (r) {
      setCreated({ key: r.key, label: r.label });
      setLabel("");
    }
  }

  return (
    <div className="stack">
      <form className="stack" onSubmit={create} noValidate data-testid="api-key-form">
        <Field label={t("apiKeys.label")} value={label} onChange={(e) => setLabel(e.target.value)} maxLength={60} autoComplete="off" hint={t("apiKeys.labelHint")} error={action.error ?? undefined} />
        <div>
          <button type="submit" className="button" disabled={action.busy} aria-busy={action.busy}>
            {t("apiKeys.create")}
          </button>
        </div>
      </form>
      {created && (
        <div className="card" role="status" data-testid="api-key-created">
          <p>
            <strong>{t("apiKeys.createdOnce", { label: created.label })}</strong>
          </p>
          <p>
            <code className="mono" style={{ wordBreak: "break-all" }} data-testid="api-key-value">
              {created.key}
            </code>
          </p>
          <button type="button" className="button secondary small" onClick={() => setCreated(null)}>
            {t("apiKeys.hide")}
          </button>
        </div>
      )}
      {keys.length === 0 ? (
        <p className="muted">{t("apiKeys.none")}</p>
      ) : (
        <Table
          caption={t("apiKeys.title")}
          columns={[{ label: t("apiKeys.label") }, { label: t("apiKeys.prefix") }, { label: t("apiKeys.created") }, { label: t("apiKeys.lastUsed") }, { label: t("apiKeys.state") }]}
          testId="api-keys"
        >
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.label}</td>
              <td className="mono">fid_{k.prefix}_…</td>
              <td>{date(k.createdAt)}</td>
              <td>{date(k.lastUsedAt)}</td>
              <td>
                {k.revokedAt ? (
                  t("apiKeys.revoked", { date: date(k.revokedAt) })
                ) : (
                  <button
                    type="button"
                    className="button secondary small"
                    disabled={action.busy}
                    aria-label={t("apiKeys.revokeLabel", { label: k.label })}
                    onClick={() => void action.run(`/api/merchant/api-keys/${k.id}/revoke`, {})}
                  >
                    {t("apiKeys.revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <p className="small muted">
        {t("apiKeys.docs")} <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>
      </p>
    </div>
  );
}
