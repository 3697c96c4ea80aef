import { Aws, CfnMapping, Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * ECR registry account of SageMaker's built-in XGBoost image (`sagemaker-xgboost:1.0-1` ... `2.1-0`, incl. 1.7-1) per
 * region, from the SageMaker Python SDK's `image_uri_config/xgboost.json`. aws-cdk-lib has no lookup for it. The legacy
 * `xgboost:1` repository uses other accounts and is not used here.
 */
export const XGBOOST_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-northeast-3': '867004704886',
  'ap-south-1': '720646828776',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '341280168497',
  'ca-west-1': '190319476487',
  'cn-north-1': '450853457545',
  'cn-northwest-1': '451049120500',
  'eu-central-1': '492215442770',
  'eu-central-2': '680994064768',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-south-2': '104374241257',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'il-central-1': '898809789911',
  'me-central-1': '272398656194',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-gov-east-1': '237065988967',
  'us-gov-west-1': '414596584902',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
};

/** The built-in XGBoost version the pipeline trains with (XGBoost 1.7.4 inside; legacy binary `xgboost-model`). */
export const XGBOOST_IMAGE_TAG = '1.7-1';

/**
 * The image URI of the built-in XGBoost algorithm for the stack's region, region-agnostic: a CfnMapping keyed by
 * `AWS::Region` (deployment into a region SageMaker does not offer the image in fails at FindInMap, before anything is
 * created) and `AWS::URLSuffix` (amazonaws.com / amazonaws.com.cn).
 */
export function xgboostImageUri(scope: Construct, id = 'XgboostImageAccounts'): string {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(id);
  const mapping =
    (existing as CfnMapping | undefined) ??
    new CfnMapping(stack, id, {
      mapping: Object.fromEntries(Object.entries(XGBOOST_IMAGE_ACCOUNTS).map(([r, a]) => [r, { account: a }])),
    });
  const account = mapping.findInMap(Aws.REGION, 'account');
  return Fn.join('', [
    account,
    '.dkr.ecr.',
    Aws.REGION,
    '.',
    Aws.URL_SUFFIX,
    `/sagemaker-xgboost:${XGBOOST_IMAGE_TAG}`,
  ]);
}
