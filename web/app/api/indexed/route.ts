import { isIndexed } from "@/lib/data/index.ts";
import { fail, ok } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** Whether the mirror has applied block `?block=` (the "indexed" step after a write). */
export const GET = route({
  auth: "public",
  async handle({ request }) {
    const raw = new URL(request.url).searchParams.get("block") ?? "";
    if (!/^\d{1,20}$/.test(raw)) return fail(400, "bad_block", "block must be a block number");
    return ok(await isIndexed(BigInt(raw)));
  },
});
