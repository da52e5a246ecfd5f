import { describe, expect, it } from "vitest";
import { diffMirror } from "./mirror-diff.ts";
import type { MirrorTables, Row } from "./mirror-expected.ts";

const table = (rows: [string, Row][]) => ({ rows: new Map(rows), sources: new Map(), subjects: new Map() });

describe("diffMirror", () => {
  const expected: MirrorTables = {
    accounts: table([["0xa1", { balance: "10", tier: "0" }], ["0xa2", { balance: "5", tier: "1" }]]),
    point_events: table([["5:1", { kind: "issuance", amount: "10" }], ["6:0", { kind: "transfer", amount: "3" }]]),
  };
  it("finds nothing when the mirror holds exactly the expected rows", () => {
    const found = { accounts: new Map(expected.accounts.rows), point_events: new Map(expected.point_events.rows) };
    expect(diffMirror(expected, found)).toEqual([]);
  });
  it("reports a tampered field, a missing row and an extra row, each once", () => {
    const found = {
      accounts: new Map<string, Row>([["0xa1", { balance: "11", tier: "0" }], ["0xa2", { balance: "5", tier: "1" }]]),
      point_events: new Map<string, Row>([["5:1", { kind: "issuance", amount: "10" }], ["7:3", { kind: "transfer", amount: "1" }]]),
    };
    const d = diffMirror(expected, found);
    expect(d.map((x) => [x.check, x.account, x.expected, x.found])).toEqual([
      ["mirror.accounts.balance", "0xa1", "10", "11"],
      ["mirror.point_events.missing", "6:0", "point_events[6:0] kind=transfer amount=3", "no row"],
      ["mirror.point_events.extra", "7:3", "no row", "point_events[7:3] kind=transfer amount=1"],
    ]);
  });
});
