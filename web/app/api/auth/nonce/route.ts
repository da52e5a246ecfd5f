import { issueNonce } from "@/lib/auth/nonces.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

export async function GET() {
  return json({ nonce: await issueNonce() });
}
