/**
 * The one progress bar of every long job (indexer backfill, audit, benchmarks): a line redrawn in
 * place on a terminal, `label [#####.....]  42.0%  detail  12s  ETA 17s`. Off a terminal it draws
 * nothing; given a logger it writes a `<label> progress` log line every few seconds instead, so a
 * service's logs say how far it is without a bar's control characters.
 */
import type { Logger } from "./log.ts";

export interface ProgressBar {
  /** `done` out of the total so far; `detail` and `fields` describe it (drawn, or logged). */
  update(done: number, detail?: string, fields?: Record<string, unknown>): void;
  /** Draws the final state and ends the line. */
  done(detail?: string): void;
}

export interface ProgressOptions {
  /** Where the bar is drawn: a terminal (default stderr when it is one), or null for none. */
  stream?: NodeJS.WriteStream | null;
  /** Off a terminal: a log line every `logEveryMs` (default 2000) through it. */
  log?: Logger;
  logEveryMs?: number;
  /** Least time between two redraws (default 80 ms). */
  redrawMs?: number;
}

const WIDTH = 30;

export function progressBar(label: string, total: number, options: ProgressOptions = {}): ProgressBar {
  const stream = options.stream === undefined ? (process.stderr.isTTY ? process.stderr : null) : options.stream?.isTTY ? options.stream : null;
  const started = performance.now();
  let lastDraw = -Infinity;
  let lastLog = started;
  const measure = (done: number) => {
    const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
    const seconds = (performance.now() - started) / 1000;
    const eta = ratio > 0 ? (seconds / ratio) * (1 - ratio) : NaN;
    return { ratio, seconds, eta: Number.isFinite(eta) ? eta : null };
  };
  const draw = (done: number, detail: string) => {
    const { ratio, seconds, eta } = measure(done);
    const filled = Math.round(ratio * WIDTH);
    stream!.write(
      `\r\x1b[2K${label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}%` +
        `${detail ? `  ${detail}` : ""}  ${seconds.toFixed(0)}s  ETA ${eta === null ? "?" : `${eta.toFixed(0)}s`}`,
    );
  };
  return {
    update(done, detail = "", fields = {}) {
      const now = performance.now();
      if (stream) {
        if (now - lastDraw < (options.redrawMs ?? 80)) return;
        lastDraw = now;
        draw(done, detail);
      } else if (options.log && now - lastLog >= (options.logEveryMs ?? 2000)) {
        lastLog = now;
        const { ratio, eta } = measure(done);
        options.log.info(`${label} progress`, { ...fields, percent: +(ratio * 100).toFixed(1), etaSeconds: eta === null ? null : Math.round(eta) });
      }
    },
    done(detail = "") {
      if (!stream) return;
      draw(total, detail);
      stream.write("\n");
    },
  };
}
