/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines every 10 % elsewhere (CI
 * logs, pipes), nothing with `--quiet`. Fed by the commands' typed progress events.
 */
import { PROGRESS_LINE_STEP_BYTES, PROGRESS_LINE_STEP_PERCENT, PROGRESS_REDRAW_MS } from "./constants.ts";

const BAR_WIDTH = 24;

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** `done` bytes of `total` (undefined when unknown). */
  update(done: number, total?: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

export function createProgress(
  label: string,
  stream: ProgressStream,
  options: { quiet?: boolean; now?: () => number } = {},
): Progress {
  if (options.quiet === true) return { update() {}, finish() {} };
  const now = options.now ?? Date.now;
  const startedAt = now();
  let last = { done: 0, total: undefined as number | undefined };
  let lastDraw = 0;
  let lastStep = -1;
  let drawn = false;

  const rate = (done: number) => {
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? `${formatBytes(done / seconds)}/s` : "";
  };
  const describe = (done: number, total: number | undefined) =>
    total === undefined ? formatBytes(done) : `${formatBytes(done)} / ${formatBytes(total)}`;

  const drawBar = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < PROGRESS_REDRAW_MS) return;
    lastDraw = t;
    const { done, total } = last;
    let line: string;
    if (total === undefined || total === 0) {
      line = `${label} ${describe(done, total)} ${rate(done)}`;
    } else {
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
      line = `${label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${describe(done, total)} ${rate(done)}`;
    }
    stream.write(`\r\x1b[2K${line.trimEnd()}`);
    drawn = true;
  };

  const drawLine = (force: boolean) => {
    const { done, total } = last;
    const step =
      total === undefined || total === 0
        ? Math.floor(done / PROGRESS_LINE_STEP_BYTES)
        : Math.floor((Math.min(1, done / total) * 100) / PROGRESS_LINE_STEP_PERCENT);
    if (!force && step === lastStep) return;
    lastStep = step;
    const percent =
      total === undefined || total === 0 ? "" : ` ${Math.floor(Math.min(1, done / total) * 100)}%`;
    stream.write(`${label}${percent} ${describe(done, total)}\n`);
  };

  const tty = stream.isTTY === true;
  return {
    update(done, total) {
      last = { done, total };
      if (tty) drawBar(false);
      else drawLine(false);
    },
    finish() {
      if (tty) {
        drawBar(true);
        if (drawn) stream.write("\n");
      } else {
        drawLine(lastStep === -1);
      }
    },
  };
}
