import { sameOrigin, SESSION_COOKIE } from "@/lib/auth/session.ts";
import { json, problem } from "@/lib/json.ts";

export async function POST(request: Request) {
  if (!sameOrigin(request)) return problem(403, "cross_origin", "sign-out must come from this site");
  const response = json({ ok: true });
  response.headers.append("set-cookie", `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  return response;
}
