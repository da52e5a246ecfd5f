import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps } from "@/lib/custody/server.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { charity, amount } → { hash, blockNumber, status }: a custodial member's donation to a registered charity, relayed (no gas). */
export const POST = route({ auth: "member", handle: ({ session, body, ip }) => custodialAction(custodyDeps(), session, "donate", body, { ip }) });
