import { type App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG, type PlatformConfig } from '../../lib/config';
import { EtlStack } from '../../lib/etl/etl-stack';
import { LakeStack } from '../../lib/lake/lake-stack';
import { OperationsStack } from '../../lib/operations/operations-stack';
import { testApp } from './app';
import { warehouseStandIn } from './warehouse-stand-in';

/**
 * The ETL stack with the real lake and operations stacks and the warehouse stand-in, independent of how
 * `buildPlatform` wires the warehouse (so these tests keep their known warehouse values after the merge).
 */
export function etlTestStack(config: PlatformConfig = DEFAULT_CONFIG): { app: App; etl: EtlStack } {
  const app = testApp();
  const env = { account: config.env.account, region: config.env.region };
  const p = config.stackPrefix;
  const lake = new LakeStack(app, `${p}Lake`, { env, config });
  const operations = new OperationsStack(app, `${p}Operations`, { env, config });
  const etl = new EtlStack(app, `${p}Etl`, {
    env,
    config,
    lake: lake.storage,
    catalog: lake.catalog,
    operations: operations.operations,
    warehouse: warehouseStandIn(app, config),
  });
  return { app, etl };
}
