import { logIn } from "@/lib/auth/accounts.ts";
import { custodialSignIn } from "@/lib/auth/custodial-route.ts";

export const dynamic = "force-dynamic";

/** POST { email, password } → 200 { address, kind: "custodial" } and the session cookie. */
export const POST = custodialSignIn(logIn);
