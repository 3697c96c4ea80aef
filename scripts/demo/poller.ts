import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';

/**
 * A stand-in for Lambda's Kinesis event source mapping, for the local demo: per shard, GetRecords from TRIM_HORIZON;
 * batches of up to `batchSize` records, sent when full or when the oldest buffered record waited
 * `maxBatchingWindowMs`; `ReportBatchItemFailures` (the shard resumes at the lowest failed sequence number of the
 * response); a thrown error retries the batch, bisected when `bisectBatchOnError`; after `maxRetryAttempts` retries the
 * batch is handed to `onFailure` (Lambda's on-failure destination: shard and sequence range) and the shard moves on.
 * With `tumblingWindowSeconds`, records are grouped into windows of the given clock, state is carried between
 * invocations and a final invocation (`isFinalInvokeForWindow`) closes each window.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
export interface EventSourceOptions {
  readonly streamName: string;
  readonly region: string;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly maxRetryAttempts: number;
  readonly bisectBatchOnError: boolean;
  /** Tumbling windows of this many seconds of `clock()` (the window function). */
  readonly tumblingWindowSeconds?: number;
  /** Milliseconds since the epoch used for windows (the demo's accelerated clock). @default Date.now */
  readonly clock?: () => number;
  readonly pollIntervalMs?: number;
  readonly onFailure?: (info: { shardId: string; startSequence: string; endSequence: string; size: number }) => void;
  readonly onError?: (e: unknown) => void;
}

export interface EventSourceStats {
  invocations: number;
  records: number;
  retries: number;
  failedBatches: number;
  windowsClosed: number;
}

type BatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;
type WindowHandler = (event: KinesisStreamTumblingWindowEvent) => Promise<KinesisStreamStateResponse>;

export class KinesisEventSource {
  readonly stats: EventSourceStats = { invocations: 0, records: 0, retries: 0, failedBatches: 0, windowsClosed: 0 };
  private stopped = false;
  private readonly arn: string;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly opts: EventSourceOptions,
    private readonly handler: BatchHandler | WindowHandler
  ) {
    this.arn = `arn:aws:kinesis:${opts.region}:000000000000:stream/${opts.streamName}`;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Polls every shard until `stop()`; resolves when all shard loops ended. */
  async run(): Promise<void> {
    const shards = (await this.kinesis.send(new ListShardsCommand({ StreamName: this.opts.streamName }))).Shards ?? [];
    await Promise.all(shards.map((s) => this.shardLoop(s.ShardId!)));
  }

  private toRecord(shardId: string, x: _Record): KinesisStreamRecord {
    return {
      awsRegion: this.opts.region,
      eventID: `${shardId}:${x.SequenceNumber!}`,
      eventName: 'aws:kinesis:record',
      eventSource: 'aws:kinesis',
      eventSourceARN: this.arn,
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/demo',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: x.PartitionKey!,
        sequenceNumber: x.SequenceNumber!,
        data: Buffer.from(x.Data!).toString('base64'),
        approximateArrivalTimestamp: x.ApproximateArrivalTimestamp!.getTime() / 1000,
      },
    };
  }

  private async shardLoop(shardId: string): Promise<void> {
    const clock = this.opts.clock ?? Date.now;
    let iterator = (
      await this.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: this.opts.streamName,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        })
      )
    ).ShardIterator;
    const buffer: KinesisStreamRecord[] = [];
    let oldestBufferedAt = 0;
    // Tumbling window state (window function only).
    const windowMs = (this.opts.tumblingWindowSeconds ?? 0) * 1000;
    let window: { startMs: number; state: Record<string, unknown> } | undefined;

    const windowOf = (ms: number) => Math.floor(ms / windowMs) * windowMs;
    // On stop() the loop ends after the invocation in progress (records not yet delivered stay in the stream, as
    // with a disabled event source mapping); a window function gets the final invocation of its open window.
    for (;;) {
      if (this.stopped) {
        if (windowMs > 0 && window !== undefined) {
          await this.invokeWindow(shardId, [], window, true);
          this.stats.windowsClosed++;
        }
        return;
      }
      if (iterator !== undefined) {
        try {
          const r = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          iterator = r.NextShardIterator;
          for (const x of r.Records ?? []) {
            if (buffer.length === 0) oldestBufferedAt = Date.now();
            buffer.push(this.toRecord(shardId, x));
          }
        } catch (e) {
          this.opts.onError?.(e);
        }
      }
      if (windowMs > 0) {
        const now = clock();
        if (window === undefined) window = { startMs: windowOf(now), state: {} };
        // Records polled now belong to the current window (windows are by arrival).
        while (buffer.length > 0 && !this.stopped) {
          const batch = buffer.splice(0, this.opts.batchSize);
          window.state = await this.invokeWindow(shardId, batch, window, false);
        }
        if (now >= window.startMs + windowMs) {
          await this.invokeWindow(shardId, [], window, true);
          this.stats.windowsClosed++;
          window = { startMs: windowOf(now), state: {} };
        }
      } else {
        const due =
          buffer.length >= this.opts.batchSize ||
          (buffer.length > 0 && Date.now() - oldestBufferedAt >= this.opts.maxBatchingWindowMs);
        if (due) {
          const batch = buffer.splice(0, this.opts.batchSize);
          await this.deliver(shardId, batch, 0);
          if (buffer.length > 0) oldestBufferedAt = Date.now();
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs ?? 250));
    }
  }

  /** One batch through the batch handler, with partial-batch responses, retries, bisection and on-failure. */
  private async deliver(shardId: string, batch: KinesisStreamRecord[], attempt: number): Promise<void> {
    let records = batch;
    for (let tries = attempt; records.length > 0; tries++) {
      this.stats.invocations++;
      let failedFrom = -1;
      let threw = false;
      try {
        const res = await (this.handler as BatchHandler)({ Records: records });
        const failures = (res?.batchItemFailures ?? []).map((f) => String(f.itemIdentifier));
        if (failures.length > 0) {
          // Resume at the lowest failed sequence number; an unknown identifier fails the whole batch (as Lambda does).
          const idx = failures.map((id) => records.findIndex((r) => r.kinesis.sequenceNumber === id));
          failedFrom = idx.some((i) => i < 0) ? 0 : Math.min(...idx);
        }
      } catch (e) {
        threw = true;
        failedFrom = 0;
        this.opts.onError?.(e);
      }
      this.stats.records += failedFrom < 0 ? records.length : failedFrom;
      if (failedFrom < 0) return;
      const rest = records.slice(failedFrom);
      if (tries >= this.opts.maxRetryAttempts) {
        this.stats.failedBatches++;
        this.opts.onFailure?.({
          shardId,
          startSequence: rest[0]!.kinesis.sequenceNumber,
          endSequence: rest[rest.length - 1]!.kinesis.sequenceNumber,
          size: rest.length,
        });
        return;
      }
      this.stats.retries++;
      if (threw && this.opts.bisectBatchOnError && rest.length > 1) {
        const half = Math.ceil(rest.length / 2);
        await this.deliver(shardId, rest.slice(0, half), tries + 1);
        await this.deliver(shardId, rest.slice(half), tries + 1);
        return;
      }
      records = rest;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** One tumbling-window invocation; a thrown error retries it with the same state (then on-failure). */
  private async invokeWindow(
    shardId: string,
    batch: KinesisStreamRecord[],
    window: { startMs: number; state: Record<string, unknown> },
    final: boolean
  ): Promise<Record<string, unknown>> {
    const windowMs = (this.opts.tumblingWindowSeconds ?? 0) * 1000;
    for (let tries = 0; ; tries++) {
      this.stats.invocations++;
      try {
        const res = await (this.handler as WindowHandler)({
          Records: batch,
          window: {
            start: new Date(window.startMs).toISOString(),
            end: new Date(window.startMs + windowMs).toISOString(),
          },
          state: window.state as { [key: string]: string },
          shardId,
          eventSourceARN: this.arn,
          isFinalInvokeForWindow: final,
          isWindowTerminatedEarly: false,
        } as KinesisStreamTumblingWindowEvent);
        this.stats.records += batch.length;
        return (res.state ?? {}) as Record<string, unknown>;
      } catch (e) {
        this.opts.onError?.(e);
        if (tries >= this.opts.maxRetryAttempts) {
          this.stats.failedBatches++;
          if (batch.length > 0) {
            this.opts.onFailure?.({
              shardId,
              startSequence: batch[0]!.kinesis.sequenceNumber,
              endSequence: batch[batch.length - 1]!.kinesis.sequenceNumber,
              size: batch.length,
            });
          }
          return window.state;
        }
        this.stats.retries++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
