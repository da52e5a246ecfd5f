/**
 * Consent choices with their history (GDPR art. 7(1): the controller must be able to show that
 * the member consented). Every change appends to consent_events; the latest event per choice is
 * the current one, and users.consent keeps that snapshot for quick reads.
 */
import type { Queryable } from "./users.ts";

export const CONSENT_CHOICES = ["marketing", "partners", "analytics"] as const;
export type ConsentChoice = (typeof CONSENT_CHOICES)[number];
export type Consents = Partial<Record<ConsentChoice, boolean>>;

/** The choices of a request body, or null when it has anything else than known booleans. */
export function parseConsents(value: unknown): Consents | null {
  if (value === undefined) return {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const out: Consents = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(CONSENT_CHOICES as readonly string[]).includes(k) || typeof v !== "boolean") return null;
    out[k as ConsentChoice] = v;
  }
  return out;
}

/** Appends the choices that differ from the current ones and updates the snapshot, in one statement. */
export async function recordConsents(db: Queryable, userId: string, consents: Consents, source: "signup" | "privacy"): Promise<void> {
  await db.query(
    `WITH given AS (SELECT key AS choice, value::boolean AS granted FROM jsonb_each_text($2::jsonb)),
     current AS (SELECT DISTINCT ON (choice) choice, granted FROM consent_events WHERE user_id = $1 ORDER BY choice, at DESC, id DESC),
     changed AS (SELECT g.* FROM given g LEFT JOIN current c USING (choice) WHERE c.granted IS DISTINCT FROM g.granted),
     ins AS (INSERT INTO consent_events (user_id, choice, granted, source) SELECT $1, choice, granted, $3 FROM changed)
     UPDATE users SET consent = consent || $2::jsonb WHERE id = $1`,
    [userId, JSON.stringify(consents), source],
  );
}

export interface ConsentEventView {
  choice: ConsentChoice;
  granted: boolean;
  source: string;
  at: Date;
}

export async function consentHistory(db: Queryable, userId: string): Promise<ConsentEventView[]> {
  const { rows } = await db.query<{ choice: ConsentChoice; granted: boolean; source: string; at: Date }>(
    `SELECT choice, granted, source, at FROM consent_events WHERE user_id = $1 ORDER BY at, id`,
    [userId],
  );
  return rows;
}

/** The current choice of each kind (false when never given). */
export function currentConsents(history: ConsentEventView[]): Record<ConsentChoice, boolean> {
  const out = Object.fromEntries(CONSENT_CHOICES.map((c) => [c, false])) as Record<ConsentChoice, boolean>;
  for (const e of history) out[e.choice] = e.granted;
  return out;
}
