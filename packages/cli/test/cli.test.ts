import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');

describe('smart-factory CLI (built bin, as npx runs it)', () => {
  it('lists its commands', () => {
    const out = execFileSync('npx', ['--no-install', 'smart-factory', '--help'], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('validate');
    expect(out).toContain('detect');
  });
  it('validates readings and names the bad line', () => {
    const input =
      '{"device_id":"c1","ts":"2026-01-01T00:00:00Z","temperature":70,"motor_speed_rpm":1500,"rvibration_temp":40,"rvibration_z_rms_velocity":2}\n' +
      '{"device_id":"c1","ts":"2026-01-01T00:00:01Z","temperature":"hot"}\n';
    const r = spawnSync('npx', ['--no-install', 'smart-factory', 'validate'], { cwd: root, input, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('line 2: temperature must be a finite number');
    expect(r.stderr).toContain('1 valid, 1 invalid');
  });
  it('rejects an unknown command with exit code 2', () => {
    const r = spawnSync('npx', ['--no-install', 'smart-factory', 'nope'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "nope"');
  });
});
