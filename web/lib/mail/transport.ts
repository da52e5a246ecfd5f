/** The SMTP transport (nodemailer) of ./config.ts's settings, with timeouts below the queue's job expiry. */
import nodemailer, { type Transporter } from "nodemailer";
import type { SmtpSettings } from "./config.ts";

export type MailTransport = Pick<Transporter, "sendMail" | "close">;

export function smtpTransport(smtp: SmtpSettings): MailTransport {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.auth ? { auth: smtp.auth } : {}),
    // Credentials never travel in clear: with a password, a server that is not this machine must
    // offer STARTTLS (or be smtps). A local catcher speaks plain SMTP.
    requireTLS: !smtp.secure && smtp.auth !== undefined && !["127.0.0.1", "localhost", "::1"].includes(smtp.host),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    pool: true,
    maxConnections: 2,
  });
}
