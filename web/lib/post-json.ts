/** The browser's calls to this site's own JSON routes (bigint as decimal strings), errors as ApiError. */
import { ApiError } from "./tx-errors.ts";

/** JSON with every bigint as its decimal string (what the routes parse back). */
export function jsonBody(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** POST JSON to one of this site's routes; its error answer as an ApiError. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: jsonBody(body),
  });
  const data = (await res.json().catch(() => null)) as ({ error?: { code: string; message: string; revertName?: string } & Record<string, unknown> } & T) | null;
  if (!res.ok || !data) throw new ApiError(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? `HTTP ${res.status}`, data?.error?.revertName, data?.error ?? {});
  return data;
}
