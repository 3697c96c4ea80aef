/** What the Kinesis event sources of the streaming functions do with a batch that keeps failing. */
export interface EventSourceRetry {
  /** Retries of a failing batch (bisected on error) before it goes to the dead-letter queue. */
  readonly retryAttempts: number;
  /** Records older than this are given up on (sent to the dead-letter queue as batch metadata). */
  readonly maxRecordAgeSeconds: number;
}
