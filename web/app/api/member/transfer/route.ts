import { clientIp } from "@/lib/client-ip.ts";
import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps, handleMember } from "@/lib/custody/server.ts";

export const dynamic = "force-dynamic";

/** POST { to, amount } → { hash, blockNumber, status }: a custodial member's transfer, signed on the server and relayed (no gas). */
export async function POST(request: Request) {
  return handleMember(request, ({ session, body }) => custodialAction(custodyDeps(), session, "transfer", body, { ip: clientIp(request) }));
}
