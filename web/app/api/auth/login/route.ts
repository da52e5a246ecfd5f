import { logIn } from "@/lib/auth/accounts.ts";
import { handleAuth } from "@/lib/auth/custodial-route.ts";

export const dynamic = "force-dynamic";

/** POST { email, password } → 200 { address, kind: "custodial" } and the session cookie. */
export async function POST(request: Request) {
  return handleAuth(request, logIn);
}
