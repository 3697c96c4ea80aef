import { type App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { PlatformConfig } from '../../lib/config';
import type { EtlWarehouse } from '../../lib/etl/etl-jobs';

export const STAND_IN = {
  account: '111122223333',
  clusterIdentifier: 'smartfactory-dw',
  secretName: 'smartfactory/etl-AbCdEf',
  roleName: 'smartfactory-warehouse',
} as const;

/**
 * Test double of the warehouse stack's `warehouse` interface: imported resources with literal ARNs in a stack of their
 * own, so the ETL tests assert known values. The real wiring is covered by the whole-platform tests (nag, synth).
 */
export function warehouseStandIn(app: App, config: PlatformConfig): EtlWarehouse {
  const region = config.env.region;
  const stack = new Stack(app, `${config.stackPrefix}WarehouseStandIn`, { env: { region } });
  new CfnWaitConditionHandle(stack, 'Placeholder'); // a template needs one resource; the imports below create none
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${STAND_IN.account}:${resource}`;
  return {
    clusterIdentifier: STAND_IN.clusterIdentifier,
    clusterArn: arn('redshift', `cluster:${STAND_IN.clusterIdentifier}`),
    databaseName: config.warehouse.databaseName,
    etlSecret: secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'EtlSecret',
      arn('secretsmanager', `secret:${STAND_IN.secretName}`)
    ),
    warehouseRole: iam.Role.fromRoleArn(
      stack,
      'WarehouseRole',
      `arn:aws:iam::${STAND_IN.account}:role/${STAND_IN.roleName}`,
      {
        mutable: false,
      }
    ),
  };
}
