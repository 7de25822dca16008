// Progress of long work on stderr: a bar with rate and ETA on a terminal (cli-progress, rather
// than hand-drawn ANSI), a plain line every 10 s when not a terminal (cron mail, CI logs), nothing
// with --json (stdout then holds exactly one document and stderr stays quiet).
import cliProgress from "cli-progress";

export interface Progress {
  start(total: number): void;
  tick(n: number): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 10_000;

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

export function createProgress(mode: "bar" | "lines" | "none", label: string): Progress {
  if (mode === "none") return { start() {}, tick() {}, stop() {} };
  let total = 0;
  let done = 0;
  let started = 0;
  const rate = () => done / Math.max(0.001, (performance.now() - started) / 1000);
  if (mode === "bar") {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} {bar} {percentage}% | {value}/{total} buckets | {rate}/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start(n) {
        total = n;
        started = performance.now();
        bar.start(n, 0, { rate: "0" });
      },
      tick(n) {
        done += n;
        bar.update(done, { rate: rate().toFixed(1) });
      },
      stop() {
        // Nothing was planned (a usage error, a failed discovery): no bar to close, no line to leave.
        if (started) bar.stop();
      },
    };
  }
  let lastLine = 0;
  const line = () =>
    process.stderr.write(
      `${label}: ${done}/${total} buckets (${total ? Math.floor((done / total) * 100) : 100}%), ${rate().toFixed(1)}/s, ETA ${formatEta((total - done) / rate())}\n`,
    );
  return {
    start(n) {
      total = n;
      started = performance.now();
      lastLine = started;
      line();
    },
    tick(n) {
      done += n;
      if (performance.now() - lastLine >= LINE_INTERVAL_MS) {
        lastLine = performance.now();
        line();
      }
    },
    stop() {
      if (started) line();
    },
  };
}
