import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DescribeClustersCommand,
  InvalidClusterStateFault,
  RedshiftClient,
  ResizeClusterCommand,
} from '@aws-sdk/client-redshift';
import { logger, metrics, requireEnv } from '../shared/powertools';
import { clusterView, decide, localMinuteOfDay, scheduleContext, type Decision, type ScheduleSpec } from './core';

const CLUSTER_ID = requireEnv('CLUSTER_ID');
const TIME_ZONE = requireEnv('TIME_ZONE');
const SCHEDULE = JSON.parse(requireEnv('SCHEDULE_JSON')) as ScheduleSpec;
const redshift = new RedshiftClient({});

/** Runs every 15 minutes: brings the warehouse back to the resize schedule's node count after a missed resize. */
export const handler = async (): Promise<Decision> => {
  const out = await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: CLUSTER_ID }));
  const cluster = out.Clusters?.[0];
  if (!cluster) throw new Error(`cluster ${CLUSTER_ID} not found`);
  const ctx = scheduleContext(SCHEDULE, localMinuteOfDay(new Date(), TIME_ZONE));
  let decision = decide(ctx, clusterView(cluster));
  if (decision.action === 'resize') {
    try {
      await redshift.send(
        new ResizeClusterCommand({ ClusterIdentifier: CLUSTER_ID, NumberOfNodes: decision.target, Classic: false })
      );
      metrics.addMetric('ResizeReconciled', MetricUnit.Count, 1);
    } catch (e) {
      // The cluster changed state between describe and resize (e.g. a snapshot started): try again next run.
      if (!(e instanceof InvalidClusterStateFault)) throw e;
      decision = { action: 'wait', reason: `resize refused: ${e.message}`, target: decision.target };
    }
  }
  if (decision.action === 'wait') metrics.addMetric('ResizeReconcileWaiting', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.info('resize reconciled', { clusterId: CLUSTER_ID, timeZone: TIME_ZONE, ...ctx, decision });
  return decision;
};
