/**
 * How the programme's mail leaves, from the environment, in one place (free of Next and of
 * "server-only": the mail worker, a plain Node process, reads it too):
 *
 *   SMTP_URL        smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 (TLS);
 *                   or, instead, SMTP_HOST, SMTP_PORT (587), SMTP_SECURE (true for TLS from the
 *                   start), SMTP_USER, SMTP_PASSWORD. Required in production; in development the
 *                   mail catcher of `npm run dev` (smtp://127.0.0.1:1025).
 *   MAIL_FROM       the sender, e.g. "Fidélité <no-reply@loyalty.example>" (default: the
 *                   programme's name at no-reply@ the site's host)
 *   PROGRAMME_NAME  the programme's name in subjects and bodies (default "Fidélité")
 *   APP_URL         where the links of the mail point (./../env.ts)
 */
import { appOrigin, ConfigError } from "../env.ts";

type Env = Record<string, string | undefined>;

export const DEV_SMTP_PORT = 1025;

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (smtps, port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
}

export interface MailSettings {
  smtp: SmtpSettings;
  from: string;
  programme: string;
  appOrigin: string;
}

const truthy = (v: string | undefined) => v === "1" || v === "true" || v === "yes";

function port(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0 || n > 65535) throw new ConfigError(`${what} must be a TCP port (1 to 65535)`);
  return n;
}

/** The SMTP server from SMTP_URL or SMTP_HOST/…; never quotes a password in its errors. */
export function smtpSettings(env: Env = process.env): SmtpSettings {
  if (env.SMTP_URL) {
    let url: URL;
    try {
      url = new URL(env.SMTP_URL);
    } catch {
      throw new ConfigError("SMTP_URL must be a URL such as smtp://user:password@mail.example:587");
    }
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new ConfigError("SMTP_URL must start with smtp:// or smtps://");
    const secure = url.protocol === "smtps:";
    const user = decodeURIComponent(url.username);
    return {
      host: url.hostname,
      port: url.port ? port(url.port, "SMTP_URL's port") : secure ? 465 : 587,
      secure,
      ...(user ? { auth: { user, pass: decodeURIComponent(url.password) } } : {}),
    };
  }
  if (env.SMTP_HOST) {
    const secure = truthy(env.SMTP_SECURE);
    return {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT ? port(env.SMTP_PORT, "SMTP_PORT") : secure ? 465 : 587,
      secure,
      ...(env.SMTP_USER ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } } : {}),
    };
  }
  if (env.NODE_ENV === "production") throw new ConfigError("SMTP_URL (or SMTP_HOST) is required in production: the server that sends the programme's mail");
  return { host: "127.0.0.1", port: DEV_SMTP_PORT, secure: false };
}

export function programmeName(env: Env = process.env): string {
  return env.PROGRAMME_NAME?.trim() || "Fidélité";
}

export function mailSettings(env: Env = process.env): MailSettings {
  const origin = appOrigin(env);
  const programme = programmeName(env);
  const from = env.MAIL_FROM?.trim() || `"${programme.replaceAll('"', "")}" <no-reply@${new URL(origin).hostname}>`;
  return { smtp: smtpSettings(env), from, programme, appOrigin: origin };
}
