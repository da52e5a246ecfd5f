import { getProgramStats } from "@/lib/data/index.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

/** Live totals of the home page. */
export async function GET() {
  const s = await getProgramStats();
  return json({ pointsInCirculation: s.pointsInCirculation, members: s.members, rewardsRedeemed: s.rewardsRedeemed, block: s.status?.cursorNumber ?? null });
}
