import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformConfig } from './config';
import { EtlStack } from './etl/etl-stack';
import { LakeStack } from './lake/lake-stack';
import { MlStack } from './ml/ml-stack';
import { OperationsStack } from './operations/operations-stack';
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

  for (const [k, v] of Object.entries(config.tags)) Tags.of(app).add(k, v);
  Tags.of(app).add('platform-config', config.name);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // The mobile app's signed-in users may call the inference API too (same identity pool, SigV4).
  if (streaming.mobileRegistration !== undefined) ml.grantInvokeInference(streaming.mobileRegistration.appUserRole);
  return { lake, operations, warehouse, streaming, etl, ml };
}
