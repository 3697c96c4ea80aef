import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

/**
 * `npm run demo` end to end in a browser: Debian's chromium (installed by scripts/debian-deps.sh) opens the page,
 * waits until the injected fault of press-001 shows as an alert, saves a screenshot, then Ctrl-C (SIGINT) stops the
 * demo, which must exit 0 and leave no process behind. Slow by nature (the real Random Cut Forest per device).
 */
it('demo page shows the injected fault as an alert; SIGINT stops the demo cleanly', { timeout: 900_000 }, async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/debian-deps.sh`).toBe(true);
  const demo: ChildProcess = spawn(
    process.execPath,
    // node with tsx's loader (not the tsx CLI, which relays signals through a second process).
    ['--import', 'tsx', 'scripts/demo/demo.ts', '--duration', '60'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let out = '';
  let err = '';
  demo.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /Demo page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearInterval(t);
          resolve(m[1]!);
        } else if (demo.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`demo exited early:\n${err}`));
        }
      }, 200);
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const external: string[] = [];
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(url)) return route.continue();
      external.push(u);
      return route.abort();
    });
    await page.goto(url);
    await page.waitForSelector('#alerts tr[data-device="press-001"]', { timeout: 780_000 });
    const row = await page.textContent('#alerts tr[data-device="press-001"]');
    expect(row).toContain('yes: overheating'); // the alert falls in the labelled fault episode
    expect(row).toMatch(/\d+\.\d %/); // scored by the edge XGBoost model
    expect(await page.locator('#grades svg').count()).toBeGreaterThanOrEqual(3);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    const shot = join(ROOT, 'test-results', 'demo-alert.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(external).toEqual([]);
  } finally {
    await browser.close();
  }
  // The demo's child processes before Ctrl-C: moto's server (test/helpers/moto_server.py) and tsx's esbuild service;
  // none may survive the demo.
  const children = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === demo.pid)
    .map((m) => ({ pid: Number(m[1]), args: m[3]! }));
  expect(children.some((c) => c.args.includes('moto_server.py'))).toBe(true);
  demo.kill('SIGINT');
  expect(await exited, err).toBe(0);
  expect(err).toMatch(/SIGINT: stopping/);
  await new Promise((r) => setTimeout(r, 2000)); // esbuild's service ends when its parent's pipe closes
  const alive = children.filter(({ pid }) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
});
