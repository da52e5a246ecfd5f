import { NoDatabaseError } from "@/lib/data/db.ts";
import { NotDeployedError } from "@/lib/config.ts";
import type { Translate } from "@/lib/i18n/index.ts";

/** What a page says when the stack is not there (no deployment, no mirror, chain down). */
export function Unavailable({ error, t }: { error: unknown; t: Translate }) {
  const key = error instanceof NotDeployedError ? "unavailable.notDeployed" : error instanceof NoDatabaseError ? "unavailable.noDatabase" : "unavailable.generic";
  return (
    <div className="warning" role="alert">
      <p>{t(key)}</p>
      <p className="small mono">{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}
