/**
 * The path segment after `after` (an id: /api/v1/purchases/{orderId}, /api/merchant/api-keys/{id}),
 * percent-decoded once; "" when there is none or it is malformed (answered like an unknown id).
 */
export function segmentAfter(request: Request, after: string): string {
  const parts = new URL(request.url).pathname.split("/");
  const i = parts.indexOf(after);
  try {
    return i >= 0 ? decodeURIComponent(parts[i + 1] ?? "") : "";
  } catch {
    return "";
  }
}
