/** "Confirm your email address": the verification link of a custodial sign-up. */
import { frame, when, type MailLanguage, type RenderedMail } from "./layout.ts";

export interface VerifyEmailVars {
  language: MailLanguage;
  programme: string;
  url: string;
  expiresAt: Date;
}

export function verifyEmailMail(v: VerifyEmailVars): RenderedMail {
  if (v.language === "fr") {
    return frame({
      language: "fr",
      programme: v.programme,
      subject: `${v.programme} : confirmez votre adresse e-mail`,
      greeting: "Bonjour,",
      paragraphs: [
        `Vous venez de créer votre compte ${v.programme}. Confirmez que cette adresse est bien la vôtre : les points que les boutiques vous envoient par e-mail n'arrivent qu'à une adresse confirmée.`,
      ],
      action: { label: "Confirmer mon adresse", url: v.url },
      after: [`Ce lien sert une seule fois et expire le ${when(v.expiresAt, "fr")}.`, "Vous n'avez pas créé de compte ? Ignorez ce message : rien ne se passera."],
      footer: `${v.programme} — message de service lié à votre compte.`,
    });
  }
  return frame({
    language: "en",
    programme: v.programme,
    subject: `${v.programme}: confirm your email address`,
    greeting: "Hello,",
    paragraphs: [`You have just created your ${v.programme} account. Please confirm that this address is yours: points that shops send to an email only reach a confirmed address.`],
    action: { label: "Confirm my address", url: v.url },
    after: [`This link works once and expires on ${when(v.expiresAt, "en")}.`, "Did not create an account? Ignore this message: nothing will happen."],
    footer: `${v.programme} — a service message about your account.`,
  });
}
