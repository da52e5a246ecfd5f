import { isIndexed } from "@/lib/data/index.ts";
import { json, problem } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

/** Whether the mirror has applied block `?block=` (the "indexed" step after a write). */
export async function GET(request: Request) {
  const raw = new URL(request.url).searchParams.get("block") ?? "";
  if (!/^\d{1,20}$/.test(raw)) return problem(400, "bad_block", "block must be a block number");
  return json(await isIndexed(BigInt(raw)));
}
