import { type App, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformConfig } from './config';
import { BiStack } from './bi/bi-stack';
import { EtlStack } from './etl/etl-stack';
import { LakeStack } from './lake/lake-stack';
import { MlStack } from './ml/ml-stack';
import { OperationsDashboardStack } from './operations/operations-dashboard-stack';
import type { PowertoolsFunction } from './operations/operations-dashboard';
import { OperationsStack } from './operations/operations-stack';
import type { PlatformFunction } from './shared/platform-function';
import { StreamingStack } from './streaming/streaming-stack';
import { WarehouseStack } from './warehouse/warehouse-stack';

/** Every stack of one platform. */
export interface Platform {
  readonly lake: LakeStack;
  readonly operations: OperationsStack;
  readonly warehouse: WarehouseStack;
  readonly streaming: StreamingStack;
  readonly etl: EtlStack;
  readonly ml: MlStack;
  /** QuickSight BI, only when `config.bi.enabled`. */
  readonly bi?: BiStack;
  /** The CloudWatch operations dashboard (always; built last, it shows every alarm of the other stacks). */
  readonly dashboard: OperationsDashboardStack;
}

export interface BuildPlatformOptions {
  /** Run cdk-nag's AwsSolutions pack as a policy-validation plugin (synth fails on any unacknowledged finding). */
  readonly nag?: boolean;
}

/** Composes the platform's stacks for one configuration. `bin/app.ts` calls this; tests call it with hand-made configs. */
export function buildPlatform(app: App, config: PlatformConfig, options: BuildPlatformOptions = {}): Platform {
  const env = { account: config.env.account, region: config.env.region };
  const p = config.stackPrefix;
  const description = (what: string) => `Smart-factory data platform (${config.name}): ${what}`;

  // Stateful
  const lake = new LakeStack(app, `${p}Lake`, {
    env,
    config,
    description: description('data lake and Glue catalog (stateful)'),
  });
  const operations = new OperationsStack(app, `${p}Operations`, {
    env,
    config,
    description: description('operations notifications'),
  });
  const warehouse = new WarehouseStack(app, `${p}Warehouse`, {
    env,
    config,
    storage: lake.storage,
    catalog: lake.catalog,
    operations: operations.operations,
    description: description('Redshift warehouse, WLM, scheduled resize and SQL migrations (stateful)'),
  });

  // Stateless
  const streaming = new StreamingStack(app, `${p}Streaming`, {
    env,
    config,
    description: description('IoT telemetry stream, raw-zone delivery, anomaly alerts and window metrics'),
    rawBucket: lake.storage.rawBucket,
    curatedBucket: lake.storage.curatedBucket,
    lakeKey: lake.storage.key,
    operations: operations.operations,
  });
  const etl = new EtlStack(app, `${p}Etl`, {
    env,
    config,
    description: description('daily ETL: Glue jobs and the Step Functions workflow'),
    lake: lake.storage,
    catalog: lake.catalog,
    operations: operations.operations,
    warehouse: warehouse.warehouse,
  });

  const ml = new MlStack(app, `${p}Ml`, {
    env,
    config,
    description: description('predictive maintenance: XGBoost training pipeline and inference API'),
    curatedBucket: lake.storage.curatedBucket,
    lakeKey: lake.storage.key,
    mlFeaturesJob: etl.mlFeaturesJob,
    operationsTopic: operations.operations.topic,
  });

  const bi = config.bi.enabled
    ? new BiStack(app, `${p}Bi`, {
        env,
        config,
        description: description('QuickSight BI: VPC connection, Redshift data source, datasets and dashboard'),
        warehouse: {
          vpc: warehouse.vpc,
          clusterSecurityGroup: warehouse.clusterSecurityGroup,
          clusterIdentifier: warehouse.warehouse.clusterIdentifier,
          clusterArn: warehouse.warehouse.clusterArn,
          clusterEndpointAddress: warehouse.cluster.attrEndpointAddress,
          port: warehouse.warehouse.port,
          databaseName: warehouse.warehouse.databaseName,
          adminSecret: warehouse.warehouse.adminSecret,
          key: warehouse.key,
          biGroup: config.warehouse.userGroups.bi,
        },
      })
    : undefined;

  // Operations dashboard: built after every other stack so it collects all their alarms and dead-letter queues.
  const platformStacks = [lake, operations, warehouse, streaming, etl, ml, ...(bi ? [bi] : [])];
  const inPlatform = (c: { node: { path: string } }) =>
    platformStacks.some((st) => c.node.path.startsWith(`${st.node.path}/`));
  const constructs = app.node.findAll().filter(inPlatform);
  const alarms = constructs.filter((c): c is cloudwatch.Alarm => c instanceof cloudwatch.Alarm);
  const deadLetterQueues = constructs
    .filter((c): c is sqs.Queue => c instanceof sqs.Queue)
    .map((queue) => ({ label: `${Stack.of(queue).stackName.slice(p.length)} ${queue.node.id}`, queue }));
  const powertools = (label: string, fn: PlatformFunction): PowertoolsFunction => ({
    label,
    function: fn,
    namespace: fn.metricsNamespace,
    service: fn.serviceName,
  });
  const dashboard = new OperationsDashboardStack(app, `${p}Dashboard`, {
    env,
    description: description('operations dashboard (CloudWatch)'),
    dashboard: {
      streaming: {
        stream: streaming.stream,
        anomaly: powertools('anomaly', streaming.anomalyFunction),
        window: powertools('window', streaming.windowFunction),
      },
      deadLetterQueues,
      etl: {
        stateMachine: etl.workflow.stateMachine,
        executionLogGroup: etl.workflow.node.findChild('ExecutionLogs') as logs.ILogGroup,
        sparkJobs: [{ label: 'raw_sensor_to_parquet', jobName: etl.jobs.rawToParquetJob.jobName }],
      },
      warehouse: {
        clusterIdentifier: warehouse.warehouse.clusterIdentifier,
        baseNodes: config.warehouse.numberOfNodes,
        resizeSchedules: config.warehouse.resizeSchedules,
        timeZone: config.timeZone,
      },
      ml: {
        endpointName: ml.pipeline.endpointName,
        // The pipeline's endpoint config has one production variant, AllTraffic (lib/ml/ml-training-pipeline.ts).
        variantName: 'AllTraffic',
        trainingStateMachine: ml.pipeline.stateMachine,
        inferenceFunction: ml.inferenceFunction,
      },
      alarms,
    },
  });

  for (const [k, v] of Object.entries(config.tags)) Tags.of(app).add(k, v);
  Tags.of(app).add('platform-config', config.name);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // The mobile app's signed-in users may call the inference API too (same identity pool, SigV4).
  if (streaming.mobileRegistration !== undefined) ml.grantInvokeInference(streaming.mobileRegistration.appUserRole);
  return { lake, operations, warehouse, streaming, etl, ml, bi, dashboard };
}
