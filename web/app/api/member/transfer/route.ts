import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps } from "@/lib/custody/server.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { to, amount } → { hash, blockNumber, status }: a custodial member's transfer, signed on the server and relayed (no gas). */
export const POST = route({ auth: "member", handle: ({ session, body, ip }) => custodialAction(custodyDeps(), session, "transfer", body, { ip }) });
