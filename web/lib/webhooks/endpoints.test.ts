/** Where a webhook endpoint may point: the checks at creation and, at connect time, before each delivery. */
import { describe, expect, it } from "vitest";
import { checkEvents, checkUrl, newSecret } from "./endpoints.ts";
import { guardedLookup, isPrivateAddress } from "./target.ts";
import { post } from "./worker.ts";
import { startWebhookReceiver } from "../../../test/support/webhook-receiver.ts";

describe("webhook endpoint URLs", () => {
  it("refuses file:, other schemes and user:password in the URL", () => {
    for (const production of [false, true]) {
      expect(checkUrl("file:///etc/passwd", production)).toMatchObject({ ok: false, field: "url" });
      expect(checkUrl("ftp://example.com/hook", production)).toMatchObject({ ok: false });
      expect(checkUrl("gopher://example.com/", production)).toMatchObject({ ok: false });
      expect(checkUrl("https://user:pass@example.com/hook", production)).toMatchObject({ ok: false, message: expect.stringContaining("user name or password") });
      expect(checkUrl("https://user@example.com/hook", production)).toMatchObject({ ok: false });
      expect(checkUrl("not a url", production)).toMatchObject({ ok: false });
      expect(checkUrl(42, production)).toMatchObject({ ok: false });
    }
  });

  it("takes http only to a loopback host, and only outside production", () => {
    expect(checkUrl("http://127.0.0.1:8080/hook", false)).toEqual({ ok: true, value: "http://127.0.0.1:8080/hook" });
    expect(checkUrl("http://localhost:8080/hook", false)).toMatchObject({ ok: true });
    expect(checkUrl("http://example.com/hook", false)).toMatchObject({ ok: false });
    expect(checkUrl("http://10.0.0.5/hook", false)).toMatchObject({ ok: false });
    expect(checkUrl("http://127.0.0.1:8080/hook", true)).toMatchObject({ ok: false, message: "url must be https" });
    expect(checkUrl("https://shop.example.com/hook#x", true)).toEqual({ ok: true, value: "https://shop.example.com/hook" });
  });

  it("refuses private, loopback and link-local targets in production", () => {
    for (const url of ["https://127.0.0.1/", "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data", "https://[::1]/", "https://[fe80::1]/", "https://[fc00::1]/", "https://[::ffff:127.0.0.1]/", "https://localhost/", "https://0.0.0.0/", "https://100.64.0.1/"])
      expect(checkUrl(url, true), url).toMatchObject({ ok: false });
    expect(checkUrl("https://8.8.8.8/", true)).toMatchObject({ ok: true });
    expect(checkUrl("https://[2606:4700::1111]/", true)).toMatchObject({ ok: true });
    expect(isPrivateAddress("::ffff:10.0.0.1")).toBe(true);
    expect(isPrivateAddress("1.1.1.1")).toBe(false);
  });

  it("checks the resolved address again at delivery: a name that resolves to loopback is refused in production, and nothing is sent", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const port = new URL(receiver.url).port;
      // A name is resolved at connect time, and refused when it resolves to a private address.
      const resolved = (production: boolean) => new Promise((resolve) => guardedLookup(production)("localhost", { family: 4 }, (e, address) => resolve(e ? e.name : address)));
      expect(await resolved(true)).toBe("BlockedTargetError");
      expect(await resolved(false)).toBe("127.0.0.1");
      await expect(post(`https://127.0.0.1:${port}/`, {}, "{}", 2_000, true)).rejects.toThrow(/private address|must not point/);
      await expect(post(`http://127.0.0.1:${port}/`, {}, "{}", 2_000, true)).rejects.toThrow(/https/);
      // Outside production the same loopback receiver is reachable.
      expect(await post(`${receiver.url}/`, {}, "{}", 2_000, false)).toEqual({ status: 200 });
      expect(await post(`http://localhost:${port}/`, {}, "{}", 2_000, false)).toEqual({ status: 200 });
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it("checks event types; secrets are whsec_ and 32 random bytes", () => {
    expect(checkEvents(["purchase.issued", "purchase.issued"])).toEqual({ ok: true, value: ["purchase.issued"] });
    expect(checkEvents([])).toMatchObject({ ok: false, field: "events" });
    expect(checkEvents(["purchase.stolen"])).toMatchObject({ ok: false, field: "events" });
    const s = newSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s.slice(6), "base64")).toHaveLength(32);
    expect(newSecret()).not.toBe(s);
  });
});
