/** "Reset your password": the link of a reset request. */
import { frame, when, type MailLanguage, type RenderedMail } from "./layout.ts";

export interface PasswordResetVars {
  language: MailLanguage;
  programme: string;
  url: string;
  expiresAt: Date;
}

export function passwordResetMail(v: PasswordResetVars): RenderedMail {
  if (v.language === "fr") {
    return frame({
      language: "fr",
      programme: v.programme,
      subject: `${v.programme} : réinitialisez votre mot de passe`,
      greeting: "Bonjour,",
      paragraphs: [
        `Quelqu'un (vous, sans doute) a demandé à réinitialiser le mot de passe de votre compte ${v.programme}. Vos points et vos récompenses restent en place : seul le mot de passe change.`,
      ],
      action: { label: "Choisir un nouveau mot de passe", url: v.url },
      after: [
        `Ce lien sert une seule fois et expire le ${when(v.expiresAt, "fr")}. Une fois le mot de passe changé, toutes vos sessions ouvertes sont fermées.`,
        "Vous n'avez rien demandé ? Ignorez ce message : votre mot de passe ne change pas.",
      ],
      footer: `${v.programme} — message de service lié à votre compte.`,
    });
  }
  return frame({
    language: "en",
    programme: v.programme,
    subject: `${v.programme}: reset your password`,
    greeting: "Hello,",
    paragraphs: [`Someone (probably you) asked to reset the password of your ${v.programme} account. Your points and rewards stay where they are: only the password changes.`],
    action: { label: "Choose a new password", url: v.url },
    after: [
      `This link works once and expires on ${when(v.expiresAt, "en")}. Once the password is changed, every open session is signed out.`,
      "Did not ask for this? Ignore this message: your password does not change.",
    ],
    footer: `${v.programme} — a service message about your account.`,
  });
}
