/**
 * Request bodies of the app's JSON routes (sign-in, sign-up and log-in, members' actions, the
 * merchant console, the purchase API, the RPC proxy): JSON only, and at most `max` bytes read, so an
 * oversized or endless body costs nothing and gets a 413, never a 500. One reader, so every route
 * answers bad bodies alike.
 */
import { problem } from "./response.ts";

/** The largest JSON body of the app's routes, unless a route says otherwise (the RPC proxy's batches). */
export const MAX_BODY_BYTES = 8 * 1024;

/** The body as text, or null past `max` bytes (stops reading there: a huge body costs nothing). */
export async function readLimited(request: Request, max: number): Promise<string | null> {
  if (Number(request.headers.get("content-length") ?? 0) > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON key that, copied by an Object.assign or a merge somewhere later, would set an object's prototype. */
const PROTO_KEY = "__proto__";

class ProtoKeyError extends Error {}

/** JSON.parse, refusing any "__proto__" key at any depth (no object of a request can carry one). */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (key === PROTO_KEY) throw new ProtoKeyError();
    return value;
  });
}

/** The parsed JSON body, or the 415 / 413 / 400 answer to send instead. */
export async function readJsonBody(request: Request, max = MAX_BODY_BYTES): Promise<{ body: unknown } | Response> {
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) return problem(415, "bad_content_type", "send Content-Type: application/json");
  const text = await readLimited(request, max);
  if (text === null) return problem(413, "too_large", `the body is larger than ${max} bytes`);
  try {
    return { body: parseJson(text) };
  } catch (e) {
    return problem(400, "bad_json", e instanceof ProtoKeyError ? `the body may not have a "${PROTO_KEY}" key` : "the body is not valid JSON");
  }
}
