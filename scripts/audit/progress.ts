/** A one-line progress bar on a terminal (stderr); silent elsewhere, so logs and CI stay clean. */
export interface Progress {
  update(done: number, detail?: string): void;
  done(detail?: string): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream | null = process.stderr): Progress {
  if (!stream?.isTTY) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  const draw = (done: number, detail = "") => {
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${detail} ${seconds}s`);
  };
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - last < 80) return;
      last = now;
      draw(done, detail);
    },
    done(detail) {
      draw(total, detail);
      stream.write("\n");
    },
  };
}
