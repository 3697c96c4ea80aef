/** A one-line progress bar on stderr (carriage-return updates), throttled to 10 updates per second. */
export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly total: number,
    private readonly label: string,
    private readonly enabled: boolean
  ) {}

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = Math.max(0.001, (now - this.started) / 1000);
    this.out.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
        `${done}/${this.total} ${(done / secs).toFixed(0)}/s`
    );
  }

  finish(done: number): void {
    if (!this.enabled) return;
    this.update(done, true);
    this.out.write('\n');
  }
}
