import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps, handleMember } from "@/lib/custody/server.ts";

export const dynamic = "force-dynamic";

/** POST { tokenId, merchant, nonce, deadline } → { signature }: the EIP-712 VoucherUse of a custodial member's reward, signed on the server (for the QR code the shop scans). */
export async function POST(request: Request) {
  return handleMember(request, ({ session, body }) => custodialAction(custodyDeps(), session, "voucher-signature", body));
}
