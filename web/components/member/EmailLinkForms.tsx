"use client";
/**
 * The pages an emailed link opens, and the request of a reset link. The token is in the link's
 * fragment (#token=…), which browsers never send to a server nor put in a Referer: it reaches
 * the server only in the body of the POST these forms make, after the member clicks (a mail
 * scanner that fetches the link spends nothing).
 */
import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { ApiError } from "@/lib/tx-errors.ts";
import { postJson } from "@/lib/post-json.ts";

function useFragmentToken(): string | null | undefined {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    setToken(new URLSearchParams(window.location.hash.slice(1)).get("token"));
  }, []);
  return token;
}

function useErrorText() {
  const { t } = useI18n();
  return (err: unknown) => {
    const code = err instanceof ApiError ? err.code : "generic";
    const key = `auth.error.${code}` as MessageKey;
    const text = t(key);
    return text === key ? t("auth.error.generic") : text;
  };
}

export function VerifyEmailForm() {
  const { t } = useI18n();
  const token = useFragmentToken();
  const errorText = useErrorText();
  const [state, setState] = useState<{ busy?: boolean; done?: string; error?: string }>({});
  if (token === undefined) return null;
  if (!token) return <p role="alert">{t("auth.verifyNoToken")}</p>;
  if (state.done) return <p role="status" data-testid="verify-done">{t("auth.verifyDone", { email: state.done })}</p>;
  async function submit(e: FormEvent) {
    e.preventDefault();
    setState({ busy: true });
    try {
      const r = await postJson<{ email: string }>("/api/auth/email/verify", { token });
      setState({ done: r.email });
    } catch (err) {
      setState({ error: errorText(err) });
    }
  }
  return (
    <form className="stack" onSubmit={submit} data-testid="verify-form">
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <div>
        <button type="submit" className="button" disabled={state.busy} aria-busy={state.busy}>
          {state.busy ? t("auth.busy") : t("auth.verifySubmit")}
        </button>
      </div>
    </form>
  );
}

export function ForgotPasswordForm() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [email, setEmail] = useState("");
  const [state, setState] = useState<{ busy?: boolean; done?: boolean; error?: string }>({});
  if (state.done) return <p role="status">{t("auth.forgotDone")}</p>;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setState({ error: t("auth.error.bad_email") });
    setState({ busy: true });
    try {
      await postJson("/api/auth/password/forgot", { email });
      setState({ done: true });
    } catch (err) {
      setState({ error: errorText(err) });
    }
  }
  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="forgot-form">
      <Field label={t("auth.email")} name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={state.error} required />
      <div>
        <button type="submit" className="button" disabled={state.busy} aria-busy={state.busy}>
          {state.busy ? t("auth.busy") : t("auth.forgotSubmit")}
        </button>
      </div>
    </form>
  );
}

export function ResetPasswordForm() {
  const { t } = useI18n();
  const token = useFragmentToken();
  const errorText = useErrorText();
  const [password, setPassword] = useState("");
  const [state, setState] = useState<{ busy?: boolean; done?: boolean; error?: string }>({});
  if (token === undefined) return null;
  if (!token) return <p role="alert">{t("auth.verifyNoToken")}</p>;
  if (state.done)
    return (
      <p role="status">
        {t("auth.resetDone")} <Link href="/login">{t("auth.loginSubmit")}</Link>
      </p>
    );
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ([...password].length < 10) return setState({ error: t("auth.error.weak_password") });
    setState({ busy: true });
    try {
      await postJson("/api/auth/password/reset", { token, password });
      setState({ done: true });
    } catch (err) {
      setState({ error: errorText(err) });
    }
  }
  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="reset-form">
      <Field
        label={t("auth.newPassword")}
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        hint={t("auth.passwordRules")}
        error={state.error}
        required
      />
      <div>
        <button type="submit" className="button" disabled={state.busy} aria-busy={state.busy}>
          {state.busy ? t("auth.busy") : t("auth.resetSubmit")}
        </button>
      </div>
      <p className="small">
        <Link href="/forgot-password">{t("auth.forgotLink")}</Link>
      </p>
    </form>
  );
}

/** On the member page while the address is unverified: a new verification link. */
export function ResendVerification() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [state, setState] = useState<{ busy?: boolean; done?: boolean; error?: string }>({});
  if (state.done) return <p role="status">{t("member.verifyResent")}</p>;
  async function resend() {
    setState({ busy: true });
    try {
      await postJson("/api/auth/email/resend", {});
      setState({ done: true });
    } catch (err) {
      setState({ error: errorText(err) });
    }
  }
  return (
    <>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <button type="button" className="button secondary small" onClick={resend} disabled={state.busy} aria-busy={state.busy}>
        {state.busy ? t("auth.busy") : t("member.verifyResend")}
      </button>
    </>
  );
}
