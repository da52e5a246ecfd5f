import { getSession } from "@/lib/auth/session.ts";
import { getAccountSummary } from "@/lib/data/index.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

/** The signed-in member as the header shows it (balance and tier from the mirror). */
export async function GET() {
  const session = await getSession();
  if (!session) return json({ session: null });
  const s = await getAccountSummary(session.address);
  return json({
    session: { address: session.address, kind: session.kind },
    balance: s.balance,
    tier: s.tier,
    lifetimeEarned: s.lifetimeEarned,
  });
}
