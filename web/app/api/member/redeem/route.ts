import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps } from "@/lib/custody/server.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { rewardId } → { hash, blockNumber, status }: a custodial member redeems a reward, relayed (no gas). */
export const POST = route({ auth: "member", handle: ({ session, body, ip }) => custodialAction(custodyDeps(), session, "redeem", body, { ip }) });
