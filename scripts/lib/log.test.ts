import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("writes one JSON object a line: time, level, component, msg, then the fields, bigints as strings", () => {
    const { lines, stream } = capture();
    createLogger({ component: "indexer" }, { json: true, stream }).child({ chainId: 31337 }).warn("reorg", { depth: 3n });
    const line = JSON.parse(lines[0]!);
    expect(Object.keys(line)).toEqual(["time", "level", "component", "msg", "chainId", "depth"]);
    expect(line).toMatchObject({ level: "warn", component: "indexer", msg: "reorg", chainId: 31337, depth: "3" });
  });

  it("writes an error as its name and message with URLs reduced to their origin", () => {
    const { lines, stream } = capture();
    const error = new TypeError("fetch failed: https://rpc.example/v3/SECRETKEY");
    createLogger({}, { json: true, stream }).error("upstream failed", { error });
    expect(lines[0]).not.toContain("SECRETKEY");
    expect(JSON.parse(lines[0]!).error).toEqual({ name: "TypeError", message: "fetch failed: https://rpc.example/…" });
  });

  it("drops lines below its level and writes readable lines when not JSON", () => {
    const { lines, stream } = capture();
    const log = createLogger({ component: "deploy" }, { json: false, level: "info", stream });
    log.debug("hidden");
    log.info("deployed", { points: "0xabc", gas: 21000n });
    log.error("failed");
    expect(lines).toEqual(["deployed  component=deploy points=0xabc gas=\"21000\"", "ERROR failed  component=deploy"]);
  });
});
