import { signUp } from "@/lib/auth/accounts.ts";
import { handleAuth } from "@/lib/auth/custodial-route.ts";
import { kekFromEnv } from "@/lib/custody/kek.ts";

export const dynamic = "force-dynamic";

/** POST { email, password, consent? } → 201 { address, kind: "custodial" } and the session cookie. */
export async function POST(request: Request) {
  return handleAuth(request, (db, body, ip) => signUp(db, kekFromEnv(), body, ip));
}
