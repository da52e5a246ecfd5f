/**
 * Request bodies of the app's JSON routes (sign-up and log-in, members' actions, the merchant
 * console, the purchase API): JSON only, and at most `max` bytes read, so an oversized body costs
 * nothing and gets a 413, never a 500. One reader, so every route answers bad bodies alike.
 */
import { problem } from "./json.ts";

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

/** The parsed JSON body, or the 415 / 413 / 400 answer to send instead. */
export async function readJsonBody(request: Request, max: number): Promise<{ body: unknown } | Response> {
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) return problem(415, "bad_content_type", "send Content-Type: application/json");
  const text = await readLimited(request, max);
  if (text === null) return problem(413, "too_large", `the body is larger than ${max} bytes`);
  try {
    return { body: JSON.parse(text) };
  } catch {
    return problem(400, "bad_json", "the body is not valid JSON");
  }
}
