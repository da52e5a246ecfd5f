import { signUp } from "@/lib/auth/accounts.ts";
import { custodialSignIn } from "@/lib/auth/custodial-route.ts";
import { kekFromEnv } from "@/lib/custody/kek.ts";

export const dynamic = "force-dynamic";

/** POST { email, password, consent? } → 201 { address, kind: "custodial" } and the session cookie. */
export const POST = custodialSignIn((db, body, ip) => signUp(db, kekFromEnv(), body, ip));
