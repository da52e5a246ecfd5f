/** Backfill progress: a bar on a terminal (blocks, events/s, ETA), a JSON log line every few seconds otherwise. */
import type { Logger } from "../scripts/lib/log.ts";

export class Progress {
  private readonly started = performance.now();
  private events = 0;
  private lastLog = 0;
  private current: bigint;

  constructor(
    private readonly from: bigint,
    private readonly to: bigint,
    private readonly tty: NodeJS.WriteStream | null,
    private readonly log: Logger,
  ) {
    this.current = from;
  }

  update(block: bigint, events: number) {
    this.current = block;
    this.events += events;
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    const total = Number(this.to - this.from) || 1;
    const done = Number(block - this.from);
    const fraction = Math.min(1, done / total);
    const rate = seconds > 0 ? this.events / seconds : 0;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : NaN;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.tty.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  block ${block}/${this.to}  ` +
          `${Math.round(rate).toLocaleString("en")} events/s  ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : "?"}   `,
      );
    } else if (now - this.lastLog > 2000) {
      this.lastLog = now;
      this.log.info("backfill progress", { block: block.toString(), to: this.to.toString(), percent: +(fraction * 100).toFixed(1), eventsPerSecond: Math.round(rate), etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null });
    }
  }

  done() {
    const seconds = (performance.now() - this.started) / 1000;
    if (this.tty) this.tty.write("\n");
    this.log.info("backfill done", { block: this.current.toString(), events: this.events, seconds: +seconds.toFixed(2), eventsPerSecond: Math.round(this.events / (seconds || 1)) });
  }
}
