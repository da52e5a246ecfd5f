/**
 * The frame of every mail: a subject, a plain-text body and an HTML body saying the same, in the
 * member's language, with the programme's name. The HTML is simple and accessible: a lang
 * attribute, real headings and paragraphs, a link whose text says where it goes (also written out
 * in full), sufficient contrast, no image carrying meaning.
 */
export type MailLanguage = "fr" | "en";

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");

export interface MailBody {
  language: MailLanguage;
  programme: string;
  subject: string;
  greeting: string;
  paragraphs: string[];
  action: { label: string; url: string };
  after: string[];
  footer: string;
}

export function frame(m: MailBody): RenderedMail {
  const text = [m.greeting, "", ...m.paragraphs.flatMap((p) => [p, ""]), `${m.action.label}:`, m.action.url, "", ...m.after.flatMap((p) => [p, ""]), "-- ", m.footer].join("\n");
  const p = (s: string) => `<p style="margin:0 0 16px">${escapeHtml(s)}</p>`;
  const html = `<!doctype html>
<html lang="${m.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(m.subject)}</title></head>
<body style="margin:0;padding:24px;background:#ffffff;color:#1a1a1a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5">
<main style="max-width:560px;margin:0 auto">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(m.programme)}</h1>
${p(m.greeting)}
${m.paragraphs.map(p).join("\n")}
<p style="margin:24px 0"><a href="${escapeHtml(m.action.url)}" style="display:inline-block;padding:12px 20px;background:#0b5cad;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${escapeHtml(m.action.label)}</a></p>
${p(m.language === "fr" ? "Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :" : "If the button does not work, copy this address into your browser:")}
<p style="margin:0 0 16px;word-break:break-all"><a href="${escapeHtml(m.action.url)}" style="color:#0b5cad">${escapeHtml(m.action.url)}</a></p>
${m.after.map(p).join("\n")}
<hr style="border:none;border-top:1px solid #d0d0d0;margin:24px 0">
<footer style="font-size:14px;color:#4a4a4a">${escapeHtml(m.footer)}</footer>
</main>
</body>
</html>
`;
  return { subject: m.subject, text, html };
}

/** A date and time the member reads in their language (the site's time zone, Europe/Paris). */
export function when(date: Date, language: MailLanguage): string {
  return new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Paris" }).format(date);
}
