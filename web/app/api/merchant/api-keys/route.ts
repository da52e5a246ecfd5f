/** POST { label } → { id, prefix, key } (the key is shown this once) (merchant console; web/lib/purchases/console.ts). */
import { createKeyRoute } from "@/lib/purchases/console.ts";

export const dynamic = "force-dynamic";

export const POST = createKeyRoute;
