import { getProgramStats } from "@/lib/data/index.ts";
import { ok } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** Live totals of the home page. */
export const GET = route({
  auth: "public",
  async handle() {
    const s = await getProgramStats();
    return ok({ pointsInCirculation: s.pointsInCirculation, members: s.members, rewardsRedeemed: s.rewardsRedeemed, block: s.status?.cursorNumber ?? null });
  },
});
