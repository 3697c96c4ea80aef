import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { kinesisSdk } from '../aws';

/** PutRecords limits (Kinesis API reference): 500 records and 5 MiB per request, 1 MiB per record. */
export const MAX_RECORDS_PER_PUT = 500;
export const MAX_BYTES_PER_PUT = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface PutEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

export interface KinesisSendClient {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

export interface PutOptions {
  /** Attempts per batch (first try included). @default 10 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface PutStats {
  records: number;
  requests: number;
  /** Records re-sent after a per-record ErrorCode (throttling, internal failure). */
  retriedRecords: number;
  /** Whole requests re-sent after a retryable exception. */
  retriedRequests: number;
  errorCodes: Record<string, number>;
}

const RETRYABLE_EXCEPTIONS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

/** Splits entries into PutRecords requests of at most 500 records and 5 MiB (data + partition key bytes). */
export function chunkEntries(entries: readonly PutEntry[]): PutEntry[][] {
  const out: PutEntry[][] = [];
  let cur: PutEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = e.data.length + Buffer.byteLength(e.partitionKey, 'utf8');
    if (size > MAX_RECORD_BYTES) throw new Error(`a record of ${size} bytes exceeds the 1 MiB Kinesis record limit`);
    if (cur.length === MAX_RECORDS_PER_PUT || bytes + size > MAX_BYTES_PER_PUT) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^attempt)]. */
export function backoffMs(attempt: number, base: number, max: number, random: () => number): number {
  return Math.floor(random() * Math.min(max, base * 2 ** attempt));
}

/**
 * Sends every entry with PutRecords. A response with FailedRecordCount > 0 is inspected record by record (ErrorCode
 * ProvisionedThroughputExceededException / InternalFailure / KMS...): only the failed records are re-sent, after an
 * exponential backoff. Retryable exceptions re-send the whole request. Throws after `maxAttempts` with the codes seen.
 */
export async function putRecordsWithRetry(
  client: KinesisSendClient,
  streamName: string,
  entries: readonly PutEntry[],
  options: PutOptions = {},
  stats: PutStats = { records: 0, requests: 0, retriedRecords: 0, retriedRequests: 0, errorCodes: {} }
): Promise<PutStats> {
  const maxAttempts = options.maxAttempts ?? 10;
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  const random = options.random ?? Math.random;
  for (const chunk of chunkEntries(entries)) {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        throw new Error(
          `PutRecords: ${pending.length} record(s) still failing after ${maxAttempts} attempts ` +
            `(error codes: ${JSON.stringify(stats.errorCodes)})`
        );
      }
      if (attempt > 0) await sleep(backoffMs(attempt, base, max, random));
      stats.requests++;
      let res: PutRecordsCommandOutput;
      try {
        res = await client.send(
          new (kinesisSdk().PutRecordsCommand)({
            StreamName: streamName,
            Records: pending.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })),
          })
        );
      } catch (e) {
        const err = e as { name?: string; code?: string; $retryable?: unknown };
        const name = err.name ?? err.code ?? 'Error';
        if (!RETRYABLE_EXCEPTIONS.has(name) && !RETRYABLE_EXCEPTIONS.has(err.code ?? '') && !err.$retryable) throw e;
        stats.errorCodes[name] = (stats.errorCodes[name] ?? 0) + 1;
        stats.retriedRequests++;
        continue;
      }
      if (!res.FailedRecordCount) {
        stats.records += pending.length;
        pending = [];
        break;
      }
      const results = res.Records ?? [];
      if (results.length !== pending.length) {
        throw new Error(`PutRecords returned ${results.length} results for ${pending.length} records`);
      }
      const failed: PutEntry[] = [];
      results.forEach((r, i) => {
        if (r.ErrorCode) {
          stats.errorCodes[r.ErrorCode] = (stats.errorCodes[r.ErrorCode] ?? 0) + 1;
          failed.push(pending[i]!);
        }
      });
      stats.records += pending.length - failed.length;
      stats.retriedRecords += failed.length;
      pending = failed;
    }
  }
  return stats;
}
