import { createHash } from 'node:crypto';
import { etlExecutionNames, etlRunDateOf, isCalendarDate } from '@smart-factory/schema';

/**
 * The batch-landing trigger's decisions, free of AWS (docs/contracts.md "Daily batch files", docs/etl.md "Batch
 * landing"). A day's batch is complete when its manifest `batch/manifests/dt=D/manifest.json` exists and every file it
 * lists exists; then the daily workflow runs for D. A file that lands later (or is uploaded again) reruns D; the ETL's
 * reruns replace a date's data, never append.
 */

export const BATCH_PREFIX = 'batch/';
export const MANIFEST_PREFIX = `${BATCH_PREFIX}manifests/`;

/** What an object under `batch/` is to the trigger. */
export type BatchObject =
  | { readonly kind: 'manifest'; readonly date: string }
  | { readonly kind: 'file'; readonly date: string; readonly source: string }
  | { readonly kind: 'other' };

const MANIFEST_KEY = /^batch\/manifests\/dt=(\d{4}-\d{2}-\d{2})\/manifest\.json$/;
const FILE_KEY = /^batch\/([a-z0-9_]+)\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+$/;

/** The manifest key of date D. */
export function manifestKey(date: string): string {
  return `${MANIFEST_PREFIX}dt=${date}/manifest.json`;
}

/**
 * Classifies an object key. S3's EventBridge events carry the key as stored; a URL-encoded key (as S3's own
 * notifications send it) is decoded as a fallback.
 */
export function classifyKey(key: string): BatchObject {
  for (const candidate of [key, safeDecode(key)]) {
    if (candidate === undefined) continue;
    const m = MANIFEST_KEY.exec(candidate);
    if (m && isCalendarDate(m[1]!)) return { kind: 'manifest', date: m[1]! };
    const f = FILE_KEY.exec(candidate);
    if (f && f[1] !== 'manifests' && isCalendarDate(f[2]!)) return { kind: 'file', date: f[2]!, source: f[1]! };
  }
  return { kind: 'other' };
}

function safeDecode(key: string): string | undefined {
  try {
    const d = decodeURIComponent(key.replace(/\+/g, ' '));
    return d === key ? undefined : d;
  } catch {
    return undefined;
  }
}

/** A manifest's content: `{"date": D, "files": ["production/dt=D/production.csv", …]}`, keys relative to `batch/`. */
export interface BatchManifest {
  readonly date: string;
  /** Full object keys (`batch/…`). */
  readonly keys: readonly string[];
}

export class InvalidManifestError extends Error {
  override readonly name = 'InvalidManifest';
}

/** Parses and checks a manifest read from `manifestKey(date)`; the error names the key and the field. */
export function parseManifest(text: string, date: string): BatchManifest {
  const where = manifestKey(date);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidManifestError(`${where}: not JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidManifestError(`${where}: must be a JSON object {"date", "files"}`);
  }
  const { date: d, files } = raw as { date?: unknown; files?: unknown };
  if (d !== date) throw new InvalidManifestError(`${where}: "date" must be "${date}", got ${JSON.stringify(d)}`);
  if (!Array.isArray(files) || files.length === 0) {
    throw new InvalidManifestError(`${where}: "files" must be a non-empty array of keys relative to batch/`);
  }
  const keys = files.map((f, i) => {
    const key = `${BATCH_PREFIX}${String(f)}`;
    const c = typeof f === 'string' ? classifyKey(key) : ({ kind: 'other' } as const);
    if (c.kind !== 'file' || c.date !== date) {
      throw new InvalidManifestError(
        `${where}: files[${i}] must be "<source>/dt=${date}/<file name>", got ${JSON.stringify(f).slice(0, 80)}`
      );
    }
    return key;
  });
  return { date, keys };
}

/** One execution of the daily workflow as the trigger sees it. */
export interface EtlExecution {
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  readonly startDate: Date;
  /** The execution's input (JSON), when known. */
  readonly input?: string;
}

export type TriggerDecision =
  | { readonly action: 'start'; readonly name: string; readonly input: { readonly runDate: string } }
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string };

/** The name of the execution a landed object starts: the same object event (a duplicate delivery) gives the same name. */
export function triggerExecutionName(date: string, key: string, sequencer: string): string {
  const hash = createHash('sha256').update(`${key}\n${sequencer}`).digest('hex');
  return etlExecutionNames.batch(date, hash);
}

/**
 * Decides what one object event means for date D, given the workflow's executions:
 * - an execution for D that started after the object was written (running or succeeded) has read it: skip;
 * - one for D still running that started before: wait (never two runs of a date at once; the event is retried);
 * - else start a run of D named after the object event.
 */
export function decide(args: {
  readonly date: string;
  readonly key: string;
  readonly sequencer: string;
  readonly objectTime: Date;
  readonly executions: readonly EtlExecution[];
  readonly timeZone: string;
}): TriggerDecision {
  const mine = args.executions.filter((e) => etlRunDateOf(e.name, e.input, args.timeZone) === args.date);
  const covering = mine.find(
    (e) => (e.status === 'RUNNING' || e.status === 'SUCCEEDED') && e.startDate.getTime() > args.objectTime.getTime()
  );
  if (covering) return { action: 'skip', reason: `execution ${covering.name} (${covering.status}) started after it` };
  const running = mine.find((e) => e.status === 'RUNNING');
  if (running) return { action: 'wait', reason: `execution ${running.name} of ${args.date} is still running` };
  return {
    action: 'start',
    name: triggerExecutionName(args.date, args.key, args.sequencer),
    input: { runDate: args.date },
  };
}
