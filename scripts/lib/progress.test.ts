import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.ts";
import { progressBar } from "./progress.ts";

function terminal() {
  let text = "";
  const stream = Object.assign(new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }), { isTTY: true });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe("progressBar", () => {
  it("redraws one line on a terminal and ends it when done", () => {
    const tty = terminal();
    const bar = progressBar("scanning", 200, { stream: tty.stream, redrawMs: 0 });
    bar.update(50, "blocks 50/200");
    bar.done("blocks 200/200");
    const frames = tty.text().split("\r\x1b[2K").filter(Boolean);
    expect(frames[0]).toMatch(/^scanning \[#{8}\.{22}\]  25\.0%  blocks 50\/200  \d+s  ETA \d+s$/);
    expect(frames[1]).toMatch(/^scanning \[#{30}\] 100\.0%  blocks 200\/200  \d+s  ETA 0s\n$/);
  });

  it("off a terminal draws nothing and logs progress lines through the logger", () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const bar = progressBar("backfill", 10, { stream: null, log: createLogger({}, { json: true, stream }), logEveryMs: 0 });
    bar.update(5, "", { block: "5" });
    bar.done();
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ msg: "backfill progress", block: "5", percent: 50 })]);
  });
});
