import { getAccountSummary } from "@/lib/data/index.ts";
import { ok } from "@/lib/edge/result.ts";
import { liveSessionOf } from "@/lib/auth/session.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** The signed-in member as the header shows it (balance and tier from the mirror). */
export const GET = route({
  auth: "public",
  async handle({ request }) {
    const session = await liveSessionOf(request);
    if (!session) return ok({ session: null });
    const s = await getAccountSummary(session.address);
    return ok({ session: { address: session.address, kind: session.kind }, balance: s.balance, tier: s.tier, lifetimeEarned: s.lifetimeEarned });
  },
});
