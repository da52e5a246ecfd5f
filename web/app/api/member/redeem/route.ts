import { clientIp } from "@/lib/client-ip.ts";
import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps, handleMember } from "@/lib/custody/server.ts";

export const dynamic = "force-dynamic";

/** POST { rewardId } → { hash, blockNumber, status }: a custodial member redeems a reward, relayed (no gas). */
export async function POST(request: Request) {
  return handleMember(request, ({ session, body }) => custodialAction(custodyDeps(), session, "redeem", body, { ip: clientIp(request) }));
}
