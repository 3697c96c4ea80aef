import { type App, Tags, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformConfig } from './config';
import { LakeStack } from './stacks/lake-stack';
import { MlStack } from './stacks/ml-stack';
import { OperationsStack } from './stacks/operations-stack';

/** Every stack of one platform. */
export interface Platform {
  readonly lake: LakeStack;
  readonly operations: OperationsStack;
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

  // Stand-in until the Etl stack is merged: the ml_features Glue job by name. With the Etl stack, pass
  // `mlFeaturesJob: etl.mlFeaturesJob` and drop this line.
  const mlFeaturesJob = glue.Job.fromJobAttributes(lake, 'MlFeaturesJobRef', { jobName: `${p}-ml-features` });
  const ml = new MlStack(app, `${p}Ml`, {
    env,
    config,
    description: description('predictive maintenance: XGBoost training pipeline and inference API'),
    curatedBucket: lake.storage.curatedBucket,
    lakeKey: lake.storage.key,
    mlFeaturesJob,
    operationsTopic: operations.operations.topic,
  });

  for (const [k, v] of Object.entries(config.tags)) Tags.of(app).add(k, v);
  Tags.of(app).add('platform-config', config.name);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { lake, operations, ml };
}
