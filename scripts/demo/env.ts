import { DEFAULT_CONFIG } from '../../lib/config';
import { LakeLayout } from '../../lib/lake/lake-layout';

/** The local services the demo's handlers talk to. */
export interface DemoServices {
  /** moto's server: S3 (state, windows), SNS (alert topic), SQS (dead letters, the page's alert queue). */
  readonly motoEndpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly alertTopicArn: string;
  readonly deadLetterQueueUrl: string;
}

/**
 * THE ONE PLACE where the demo sets the handlers' environment: the variables the streaming stack gives the anomaly and
 * window functions (lib/streaming/streaming-stack.ts), pointed at the local services. The handlers are driven only
 * through their exported `handler` and these variables, so a change of the stack's environment is mirrored here.
 */
export function handlerEnvironment(s: DemoServices): Record<string, string> {
  const sc = DEFAULT_CONFIG.streaming;
  return {
    // AWS SDK: every client of the handlers goes to moto.
    AWS_ENDPOINT_URL: s.motoEndpoint,
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    // Anomaly function.
    STATE_BUCKET: s.bucket,
    STATE_PREFIX: LakeLayout.curatedAnomalyState,
    ALERT_TOPIC_ARN: s.alertTopicArn,
    DEAD_LETTER_QUEUE_URL: s.deadLetterQueueUrl,
    ALERT_THRESHOLD: String(sc.anomalyAlertThreshold),
    ALERT_COOLDOWN_SECONDS: String(sc.alertCooldownSeconds),
    TIME_ZONE: DEFAULT_CONFIG.timeZone,
    FACTORY_ID: sc.factoryId,
    // Window function.
    CURATED_BUCKET: s.bucket,
    WINDOWS_PREFIX: LakeLayout.curatedWindows,
    // Powertools: keep the terminal for the demo's progress (logs at WARN, metrics off).
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'SmartFactoryDemo',
    POWERTOOLS_SERVICE_NAME: 'demo',
  };
}

/** The event source settings of the stack (batch size, window, retries) the poller mimics. */
export const EVENT_SOURCES = {
  anomaly: { batchSize: 100, maxBatchingWindowMs: 1000, bisectBatchOnError: true },
  window: { batchSize: 500, maxBatchingWindowMs: 0, bisectBatchOnError: true, tumblingWindowSeconds: 180 },
  maxRetryAttempts: DEFAULT_CONFIG.streaming.maxRetryAttempts,
} as const;
