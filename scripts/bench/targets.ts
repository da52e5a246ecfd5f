/**
 * The benchmarks `npm run bench` runs, in order, and the targets their JSON lines are held to
 * (the README's and the issues' figures). A target here is a report, never a failure of the run.
 */
export interface Check {
  label: string;
  target: string;
  value(json: Record<string, unknown>): number | undefined;
  pass(value: number): boolean;
  format(value: number): string;
}

export interface Benchmark {
  /** `npm run bench:<name>` */
  name: string;
  /** The benchmark exits non-zero when a target is missed (still printing its JSON line). */
  exitsOnMissedTarget: boolean;
  checks: Check[];
}

/** A number at `path` (dot-separated) in the JSON line, or undefined. */
export function figure(json: unknown, path: string): number | undefined {
  let at: unknown = json;
  for (const key of path.split(".")) {
    if (!at || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === "number" && Number.isFinite(at) ? at : undefined;
}

const num = (n: number) => n.toLocaleString("en", { maximumFractionDigits: 3 });

function atMost(label: string, path: string, max: number, unit = ""): Check {
  return { label, target: `≤ ${num(max)}${unit}`, value: (j) => figure(j, path), pass: (v) => v <= max, format: (v) => `${num(v)}${unit}` };
}

function atLeast(label: string, path: string, min: number, unit = ""): Check {
  return { label, target: `≥ ${num(min)}${unit}`, value: (j) => figure(j, path), pass: (v) => v >= min, format: (v) => `${num(v)}${unit}` };
}

function shown(label: string, path: string, unit = ""): Check {
  return { label, target: "", value: (j) => figure(j, path), pass: () => true, format: (v) => `${num(v)}${unit}` };
}

/** bench:indexer's default realtime poll interval: its lag target is 300 ms plus one poll. */
const INDEXER_POLL_MS = 100;

export const BENCHMARKS: Benchmark[] = [
  {
    name: "gas",
    exitsOnMissedTarget: true,
    checks: [
      {
        label: "transfer / ozTransfer",
        target: "≤ 1.1",
        value: (j) => {
          const [t, oz] = [figure(j, "transfer"), figure(j, "ozTransfer")];
          return t !== undefined && oz ? t / oz : undefined;
        },
        pass: (v) => v <= 1.1,
        format: (v) => v.toFixed(3),
      },
      atMost("batchIssuePerMember", "batchIssuePerMember", 35_000, " gas"),
      atMost("redeem", "redeem", 160_000, " gas"),
      atMost("purchaseInBatch (holders)", "purchaseInBatch", 45_000, " gas"),
      shown("purchaseInBatch (first-time)", "purchaseInBatchFirstTime", " gas"),
    ],
  },
  {
    name: "indexer",
    exitsOnMissedTarget: false,
    checks: [
      atLeast("backfill events/s", "eventsPerSecond", 25_000),
      atMost("realtime lag p95", "lagP95Ms", 300 + INDEXER_POLL_MS, " ms"),
      atMost("balance lookup p99", "lookupP99Ms", 2, " ms"),
    ],
  },
  {
    name: "audit",
    exitsOnMissedTarget: false,
    checks: [{ ...atMost("audit of 100,000 transfers", "seconds", 10, " s"), target: "< 10 s", pass: (v) => v < 10 }, shown("events/s", "eventsPerSecond")],
  },
  {
    name: "api",
    exitsOnMissedTarget: false,
    checks: [
      atLeast("purchases/s at concurrency 500", "levels.500.purchasesPerSecond", 1_000),
      atMost("p95 → on chain at 500", "levels.500.p95Ms", 1_000, " ms"),
      atMost("p95 → in the mirror at 500", "levels.500.indexedP95Ms", 1_500, " ms"),
      atMost("errors at 500", "levels.500.errors", 0),
      shown("purchases/s at concurrency 100", "levels.100.purchasesPerSecond"),
      shown("best purchases/s within p95 ≤ 1 s", "purchasesPerSecond"),
    ],
  },
  {
    name: "web",
    exitsOnMissedTarget: false,
    checks: [
      atMost("member page p95", "memberP95Ms", 150, " ms"),
      atMost("member first-load JS (gzip)", "memberFirstLoadKbGzip", 250, " KB"),
      shown("audit page p95", "auditP95Ms", " ms"),
    ],
  },
];
