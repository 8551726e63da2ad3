// Progress on stderr: bars per file and one for the total on a terminal (cli-progress), one line per finished
// file otherwise (logs, CI, a script reading stdout); nothing at all with --quiet.
import cliProgress from 'cli-progress';

export interface FileProgress {
  advance(bytes: number): void;
  finish(line: string): void;
}

export interface Progress {
  file(label: string, size: number): FileProgress;
  /** bytes that will not be sent after all (a duplicate, a failure, parts already on the server) */
  forget(bytes: number): void;
  note(line: string): void;
  stop(): void;
}

export function createProgress(totalBytes: number, mode: 'bars' | 'lines' | 'quiet'): Progress {
  if (mode === 'bars') return new Bars(totalBytes);
  const log = mode === 'lines' ? (line: string) => process.stderr.write(`${line}\n`) : () => {};
  return { file: () => ({ advance: () => {}, finish: log }), forget: () => {}, note: log, stop: () => {} };
}

class Bars implements Progress {
  private readonly bars = new cliProgress.MultiBar({
    stream: process.stderr,
    clearOnComplete: false,
    hideCursor: true,
    autopadding: true,
    format: ' {bar} {percentage}% | {label} | {done}/{size}',
  }, cliProgress.Presets.shades_classic);
  private readonly total: cliProgress.SingleBar;
  private sent = 0;
  private totalBytes: number;

  constructor(totalBytes: number) {
    this.totalBytes = totalBytes;
    this.total = this.bars.create(Math.max(1, totalBytes), 0, { label: 'total', done: human(0), size: human(totalBytes) });
  }

  file(label: string, size: number): FileProgress {
    const bar = this.bars.create(Math.max(1, size), 0, { label: shorten(label), done: human(0), size: human(size) });
    let value = 0;
    return {
      advance: (bytes) => {
        value += bytes;
        this.sent += bytes;
        bar.update(value, { done: human(value) });
        this.total.update(this.sent, { done: human(this.sent) });
      },
      finish: (line) => {
        this.bars.remove(bar);
        this.bars.log(`${line}\n`);
      },
    };
  }

  forget(bytes: number): void {
    this.totalBytes = Math.max(this.sent, this.totalBytes - bytes);
    this.total.setTotal(Math.max(1, this.totalBytes));
    this.total.update(this.sent, { size: human(this.totalBytes) });
  }

  note(line: string): void {
    this.bars.log(`${line}\n`);
  }

  stop(): void {
    this.bars.stop();
  }
}

function shorten(label: string): string {
  return label.length > 40 ? `…${label.slice(-39)}` : label.padEnd(40);
}

export function human(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
