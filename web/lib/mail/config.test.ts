import { describe, expect, it } from "vitest";
import { mailSettings, smtpSettings } from "./config.ts";
import { passwordResetMail } from "./templates/password-reset.ts";
import { verifyEmailMail } from "./templates/verify-email.ts";

describe("mail configuration", () => {
  it("reads SMTP_URL, or SMTP_HOST and its companions", () => {
    expect(smtpSettings({ SMTP_URL: "smtps://me%40shop:p%2Fss@mail.example" })).toEqual({ host: "mail.example", port: 465, secure: true, auth: { user: "me@shop", pass: "p/ss" } });
    expect(smtpSettings({ SMTP_URL: "smtp://mail.example:2525" })).toEqual({ host: "mail.example", port: 2525, secure: false });
    expect(smtpSettings({ SMTP_HOST: "relay", SMTP_USER: "u", SMTP_PASSWORD: "p" })).toEqual({ host: "relay", port: 587, secure: false, auth: { user: "u", pass: "p" } });
    expect(smtpSettings({ SMTP_HOST: "relay", SMTP_SECURE: "true" })).toMatchObject({ port: 465, secure: true });
    expect(smtpSettings({})).toEqual({ host: "127.0.0.1", port: 1025, secure: false });
  });

  it("refuses what cannot work, without quoting a password", () => {
    expect(() => smtpSettings({ NODE_ENV: "production" })).toThrow(/SMTP_URL .*required in production/);
    expect(() => smtpSettings({ SMTP_URL: "http://mail.example" })).toThrow(/smtp:\/\/ or smtps:\/\//);
    expect(() => smtpSettings({ SMTP_HOST: "relay", SMTP_PORT: "99999" })).toThrow(/SMTP_PORT/);
    let message = "";
    try {
      smtpSettings({ SMTP_URL: "smtp://u:hunter2@[bad" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/SMTP_URL/);
    expect(message).not.toContain("hunter2");
  });

  it("names the programme and the sender from the site's origin", () => {
    expect(mailSettings({ APP_URL: "https://loyalty.example", PROGRAMME_NAME: "Le Marché" })).toMatchObject({ from: '"Le Marché" <no-reply@loyalty.example>', programme: "Le Marché", appOrigin: "https://loyalty.example" });
    expect(mailSettings({ MAIL_FROM: "Shop <hello@shop.example>" }).from).toBe("Shop <hello@shop.example>");
  });
});

describe("mail templates", () => {
  const expiresAt = new Date("2026-12-05T10:00:00Z");
  it("says the same in text and HTML, in French and English, and escapes what it quotes", () => {
    const url = "https://loyalty.example/verify-email#token=abc.def";
    const fr = verifyEmailMail({ language: "fr", programme: "Fidélité <Marché>", url, expiresAt });
    expect(fr.subject).toBe("Fidélité <Marché> : confirmez votre adresse e-mail");
    expect(fr.text).toContain(url);
    expect(fr.text).toContain("5 décembre 2026");
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain("Fidélité &lt;Marché&gt;");
    expect(fr.html).not.toContain("<Marché>");
    expect(fr.html).toContain(`href="${url}"`);
    const en = passwordResetMail({ language: "en", programme: "Fidélité", url, expiresAt });
    expect(en.subject).toBe("Fidélité: reset your password");
    expect(en.html).toContain('<html lang="en">');
    expect(en.text).toContain("5 December 2026");
    expect(en.text).toContain("only the password changes");
  });
});
