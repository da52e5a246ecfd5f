/** Backfill progress: the shared bar over the block range, with events/s; `backfill done` when it ends. */
import type { Logger } from "../scripts/lib/log.ts";
import { progressBar, type ProgressBar } from "../scripts/lib/progress.ts";

export class Progress {
  private readonly started = performance.now();
  private readonly bar: ProgressBar;
  private events = 0;
  private current: bigint;

  constructor(
    private readonly from: bigint,
    private readonly to: bigint,
    tty: NodeJS.WriteStream | null,
    private readonly log: Logger,
  ) {
    this.current = from;
    this.bar = progressBar("backfill", Number(to - from) || 1, { stream: tty, log });
  }

  update(block: bigint, events: number) {
    this.current = block;
    this.events += events;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = Math.round(seconds > 0 ? this.events / seconds : 0);
    this.bar.update(Number(block - this.from), `block ${block}/${this.to}  ${rate.toLocaleString("en")} events/s`, {
      block: block.toString(),
      to: this.to.toString(),
      eventsPerSecond: rate,
    });
  }

  done() {
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.done(`block ${this.current}/${this.to}`);
    this.log.info("backfill done", { block: this.current.toString(), events: this.events, seconds: +seconds.toFixed(2), eventsPerSecond: Math.round(this.events / (seconds || 1)) });
  }
}
