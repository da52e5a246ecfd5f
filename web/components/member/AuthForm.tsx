"use client";
/**
 * Sign-up and log-in with an email and a password (POST /api/auth/signup, /api/auth/login). The
 * rules are shown before typing, checked in the browser for a quick answer, and again by the server,
 * whose error codes are shown in the page's language. After success the member lands on /member.
 */
import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { postJson } from "@/lib/post-json.ts";
import { ApiError } from "@/lib/tx-errors.ts";

const CHOICES = ["marketing", "partners", "analytics"] as const;
const MIN_PASSWORD = 10;

const FIELD_OF: Record<string, "email" | "password" | "referral"> = {
  bad_email: "email",
  email_taken: "email",
  weak_password: "password",
  bad_password: "password",
  bad_referral: "referral",
  unknown_referrer: "referral",
};

export function AuthForm({ mode }: { mode: "signup" | "login" }) {
  const { t, locale } = useI18n();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [referral, setReferral] = useState("");
  const [consent, setConsent] = useState<Record<(typeof CHOICES)[number], boolean>>({ marketing: false, partners: false, analytics: false });
  const [errors, setErrors] = useState<{ email?: string; password?: string; referral?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  /** The server's code in the page's language (codes without a translation: the generic message). */
  const message = (code: string) => {
    const key = `auth.error.${code}` as MessageKey;
    const text = t(key);
    return text === key ? t("auth.error.generic") : text;
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const local: typeof errors = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) local.email = t("auth.error.bad_email");
    if (mode === "signup" && [...password].length < MIN_PASSWORD) local.password = t("auth.error.weak_password");
    if (mode === "login" && password.length === 0) local.password = t("auth.error.bad_password");
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const body = mode === "signup" ? { email, password, consent, language: locale, ...(referral.trim() ? { referral: referral.trim() } : {}) } : { email, password };
      await postJson(`/api/auth/${mode}`, body);
      await queryClient.invalidateQueries({ queryKey: ["me"] });
      router.push("/member");
      router.refresh();
    } catch (err) {
      const code = err instanceof ApiError ? err.code : "generic";
      const text = message(code);
      const field = FIELD_OF[code];
      setErrors(field ? { [field]: text } : { form: text });
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate data-testid={`${mode}-form`}>
      <Field label={t("auth.email")} name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} required />
      <Field
        label={t("auth.password")}
        name="password"
        type="password"
        autoComplete={mode === "signup" ? "new-password" : "current-password"}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        hint={mode === "signup" ? t("auth.passwordRules") : undefined}
        error={errors.password}
        required
      />
      {mode === "signup" && (
        <>
          <Field label={t("auth.referral")} name="referral" autoComplete="off" spellCheck={false} value={referral} onChange={(e) => setReferral(e.target.value)} hint={t("auth.referralHint")} error={errors.referral} />
          <fieldset>
            <legend>{t("auth.consentTitle")}</legend>
            {CHOICES.map((c) => (
              <label key={c} className="checkbox">
                <input type="checkbox" name={c} checked={consent[c]} onChange={(e) => setConsent({ ...consent, [c]: e.target.checked })} /> {t(`auth.consent.${c}` as MessageKey)}
              </label>
            ))}
          </fieldset>
        </>
      )}
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      <div>
        <button type="submit" className="button" disabled={busy} aria-busy={busy}>
          {busy ? t("auth.busy") : mode === "signup" ? t("auth.signupSubmit") : t("auth.loginSubmit")}
        </button>
      </div>
      <p className="small">
        {mode === "signup" ? <Link href="/login">{t("auth.haveAccount")}</Link> : <Link href="/signup">{t("auth.noAccount")}</Link>}
      </p>
      {mode === "login" && (
        <p className="small">
          <Link href="/forgot-password">{t("auth.forgotLink")}</Link>
        </p>
      )}
      <p className="small muted">{t("auth.walletInstead")}</p>
    </form>
  );
}
