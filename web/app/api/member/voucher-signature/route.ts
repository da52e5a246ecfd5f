import { custodialAction } from "@/lib/custody/member-actions.ts";
import { custodyDeps } from "@/lib/custody/server.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { tokenId, merchant, nonce, deadline } → { signature }: the EIP-712 VoucherUse of a custodial member's reward, signed on the server (for the QR code the shop scans). */
export const POST = route({ auth: "member", handle: ({ session, body }) => custodialAction(custodyDeps(), session, "voucher-signature", body) });
