import { describe, expect, it } from "vitest";
import { redactUrl, redactUrls } from "./redact.ts";

describe("redact", () => {
  it("keeps a URL's origin only, marking what it left out", () => {
    expect(redactUrl("https://mainnet.infura.io/v3/0123abcd")).toBe("https://mainnet.infura.io/…");
    expect(redactUrl("https://user:secret@rpc.example:8443/")).toBe("https://rpc.example:8443/…");
    expect(redactUrl("https://rpc.example/?apikey=1")).toBe("https://rpc.example/…");
    expect(redactUrl("http://127.0.0.1:8545")).toBe("http://127.0.0.1:8545");
    expect(redactUrl("not a url")).toBe("[url]");
  });

  it("reduces every URL in a message, leaving the sentence's punctuation", () => {
    expect(redactUrls("cannot reach the RPC at http://127.0.0.1:1: refused")).toBe("cannot reach the RPC at http://127.0.0.1:1: refused");
    const message = 'HTTP request failed.\n\nURL: https://eth.example/v2/KEY123\nRequest body: {"method":"eth_call"} (wss://ws.example/KEY456).';
    const out = redactUrls(message);
    expect(out).not.toMatch(/KEY123|KEY456/);
    expect(out).toContain("URL: https://eth.example/…\n");
    expect(out).toContain("(wss://ws.example/…).");
  });
});
