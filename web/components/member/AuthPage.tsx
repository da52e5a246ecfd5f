import { redirect } from "next/navigation";
import { getSession } from "@/lib/auth/session.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import { AuthForm } from "./AuthForm.tsx";

/** /signup and /login: a member already signed in goes straight to their account. */
export async function AuthPage({ mode }: { mode: "signup" | "login" }) {
  if (await getSession()) redirect("/member");
  const { t } = await getI18n();
  return (
    <>
      <h1>{t(mode === "signup" ? "auth.signupTitle" : "auth.loginTitle")}</h1>
      <p>{t(mode === "signup" ? "auth.signupIntro" : "auth.loginIntro")}</p>
      <div className="card">
        <AuthForm mode={mode} />
      </div>
    </>
  );
}
