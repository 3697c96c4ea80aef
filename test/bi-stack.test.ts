import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, FULL_CONFIG, type PlatformConfig } from '../lib/config';
import { BI_DATASETS, datasetColumns } from '../lib/bi/bi-datasets';
import { QUICKSIGHT_ACTIONS } from '../lib/bi/quicksight-permissions';
import { QUICKSIGHT_SECRETS_ROLE } from '../lib/bi/bi-stack';
import { type Platform } from '../lib/platform';
import { testPlatform } from './helpers/app';

const OWNER = FULL_CONFIG.bi.ownerArns[0]!;
const VIEWER = FULL_CONFIG.bi.viewerArns[0]!;
const SQL_DIR = join(__dirname, '..', 'sql');

describe('BI stack (config full: bi on)', () => {
  let platform: Platform;
  let t: Template;
  beforeAll(() => {
    platform = testPlatform(FULL_CONFIG).platform;
    t = Template.fromStack(platform.bi!);
  });

  it('exists only when bi.enabled (not in the default config)', () => {
    expect(testPlatform(DEFAULT_CONFIG).platform.bi).toBeUndefined();
    expect(platform.bi?.stackName).toBe('SmartFactoryFullBi');
  });

  it('VPC connection: the warehouse isolated subnets, its own security group, a role only QuickSight of this account assumes', () => {
    const warehouse = Template.fromStack(platform.warehouse);
    const isolated = Object.keys(warehouse.findResources('AWS::EC2::Subnet'));
    expect(isolated).toHaveLength(2);
    t.resourceCountIs('AWS::QuickSight::VPCConnection', 1);
    const [vpcc] = Object.values(t.findResources('AWS::QuickSight::VPCConnection'));
    const subnets = JSON.stringify(vpcc!['Properties']['SubnetIds']);
    for (const s of isolated) expect(subnets).toContain(s);
    expect(vpcc!['Properties']['VPCConnectionId']).toBe('smartfactoryfull-warehouse');
    expect(vpcc!['Properties']['SecurityGroupIds']).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^VpcConnectionSecurityGroup/), 'GroupId'] },
    ]);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'quicksight.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });

  it('the cluster security group admits the connection on the cluster port only; the connection egresses only there', () => {
    const port = FULL_CONFIG.warehouse.port;
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('ClusterSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VpcConnectionSecurityGroup'), 'GroupId'] },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [
        {
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          DestinationSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('ClusterSecurityGroup') },
          Description: Match.anyValue(),
        },
      ],
    });
    // Inline, so EC2's default allow-all egress is replaced (a separate egress resource would not remove it).
    t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    // The warehouse stack itself is unchanged: its cluster group still has no ingress.
    Template.fromStack(platform.warehouse).resourceCountIs('AWS::EC2::SecurityGroupIngress', 1); // endpoints' HTTPS
  });

  it('data source: Redshift through the VPC connection, TLS, credentials from the BI secret, owners only', () => {
    t.hasResourceProperties('AWS::QuickSight::DataSource', {
      Type: 'REDSHIFT',
      DataSourceParameters: {
        RedshiftParameters: Match.objectLike({ Database: 'smartfactory', Port: FULL_CONFIG.warehouse.port }),
      },
      Credentials: { SecretArn: { Ref: Match.stringLikeRegexp('^DatabaseUserSecret') } },
      VpcConnectionProperties: {
        VpcConnectionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VpcConnection'), 'Arn'] },
      },
      SslProperties: { DisableSsl: false },
      Permissions: [{ Principal: OWNER, Actions: [...QUICKSIGHT_ACTIONS.dataSourceOwner] }],
    });
  });

  it('BI database user: generated secret (own key), custom resource in the BI group, readable by QuickSight’s secrets role', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: Match.anyValue(),
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ username: FULL_CONFIG.bi.databaseUser }),
        GenerateStringKey: 'password',
      }),
    });
    t.hasResourceProperties('Custom::RedshiftBiUser', {
      Group: 'BI_Report_User',
      Database: 'smartfactory',
      UserSecretArn: { Ref: Match.stringLikeRegexp('^DatabaseUserSecret') },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [QUICKSIGHT_SECRETS_ROLE.split('/').pop()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: Match.stringLikeRegexp('^DatabaseUserSecret') },
          }),
        ]),
      },
    });
  });

  it('one dataset per summary object, SPICE, owners only, columns exactly those of the SQL', () => {
    const sql = readdirSync(SQL_DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => readFileSync(join(SQL_DIR, f), 'utf8'))
      .join('\n');
    const datasets = Object.values(t.findResources('AWS::QuickSight::DataSet'));
    expect(datasets).toHaveLength(BI_DATASETS.length);
    for (const spec of BI_DATASETS) {
      const ds = datasets.find((d) => d['Properties']['DataSetId'] === `smartfactoryfull-${spec.key}`);
      expect(ds, spec.key).toBeDefined();
      const p = ds!['Properties'];
      expect(p['ImportMode']).toBe('SPICE');
      expect(p['Permissions']).toEqual([{ Principal: OWNER, Actions: [...QUICKSIGHT_ACTIONS.dataSetOwner] }]);
      const custom = p['PhysicalTableMap'][spec.key]['CustomSql'];
      expect(custom['SqlQuery']).toMatch(new RegExp(`^SELECT .* FROM ${spec.schema}\\.${spec.table}$`));
      expect(custom['Columns']).toEqual(datasetColumns(spec).map((c) => ({ Name: c.name, Type: c.type })));
      // The object exists in a migration with every column the dataset selects.
      const create = new RegExp(
        `CREATE (?:TABLE IF NOT EXISTS|OR REPLACE VIEW) ${spec.schema}\\.${spec.table}\\b([\\s\\S]*?);\\n`
      ).exec(sql);
      expect(create, `${spec.schema}.${spec.table} in sql/`).not.toBeNull();
      for (const c of spec.columns)
        expect(create![1], `${spec.table}.${c.name}`).toMatch(new RegExp(`\\b${c.name}\\b`));
    }
  });

  it('a daily full SPICE refresh per dataset at bi.refreshLocalTime in the platform time zone', () => {
    const schedules = Object.values(t.findResources('AWS::QuickSight::RefreshSchedule'));
    expect(schedules).toHaveLength(BI_DATASETS.length);
    for (const s of schedules) {
      expect(s['Properties']['Schedule']).toMatchObject({
        RefreshType: 'FULL_REFRESH',
        ScheduleFrequency: { Interval: 'DAILY', TimeOfTheDay: '07:00', TimeZone: 'Asia/Seoul' },
      });
      expect(s['DependsOn']).toEqual(expect.arrayContaining([expect.stringMatching(/^Datasets/)]));
    }
  });

  it('dashboard: the trends, anomalies, production vs plan, scores, hot vs archive; device and date filters; owner and viewer permissions', () => {
    const [dash] = Object.values(t.findResources('AWS::QuickSight::Dashboard'));
    const p = dash!['Properties'];
    expect(p['DashboardId']).toBe('smartfactoryfull-factory');
    const sheet = p['Definition']['Sheets'][0];
    const ids = sheet['Visuals'].map((v: Record<string, { VisualId: string }>) => Object.values(v)[0]!.VisualId);
    expect(ids).toEqual([
      'temperature-trend',
      'motor-speed-trend',
      'vibration-trend',
      'anomalies-per-day',
      'production-vs-plan',
      'model-score-trend',
      'fact-storage-share',
    ]);
    expect(p['Definition']['DataSetIdentifierDeclarations'].map((d: { Identifier: string }) => d.Identifier)).toEqual(
      BI_DATASETS.map((d) => d.key)
    );
    const filters = p['Definition']['FilterGroups'].map((g: { Filters: object[]; CrossDataset: string }) => [
      g.CrossDataset,
      Object.keys(g.Filters[0]!)[0],
    ]);
    expect(filters).toEqual([
      ['ALL_DATASETS', 'CategoryFilter'],
      ['ALL_DATASETS', 'TimeRangeFilter'],
    ]);
    expect(sheet['FilterControls'].map((c: object) => Object.keys(c)[0])).toEqual(['Dropdown', 'DateTimePicker']);
    expect(p['Permissions']).toEqual([
      { Principal: OWNER, Actions: [...QUICKSIGHT_ACTIONS.dashboardOwner] },
      { Principal: VIEWER, Actions: [...QUICKSIGHT_ACTIONS.dashboardViewer] },
    ]);
    t.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { Ref: 'AWS::Region' }, '.quicksight.aws.amazon.com/sn/dashboards/smartfactoryfull-factory'],
        ],
      },
    });
  });

  it('no QuickSight resource grants anything to a principal outside bi.ownerArns / bi.viewerArns', () => {
    const allowed = new Set([OWNER, VIEWER]);
    for (const type of ['AWS::QuickSight::DataSource', 'AWS::QuickSight::DataSet', 'AWS::QuickSight::Dashboard']) {
      for (const r of Object.values(t.findResources(type))) {
        for (const perm of r['Properties']['Permissions'] as { Principal: string }[]) {
          expect(allowed.has(perm.Principal), `${type} ${perm.Principal}`).toBe(true);
        }
      }
    }
  });

  it('cfn-lint (QuickSight schemas) reports no error on the BI template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bi-cfnlint-'));
    const file = join(dir, 'bi.template.json');
    writeFileSync(file, JSON.stringify(t.toJSON()));
    let out = '';
    try {
      // Warnings (exit 4) are allowed; errors (exit bit 2) are not. W3005 = CDK's explicit DependsOn duplicates.
      out = execFileSync('cfn-lint', [file, '--regions', 'ap-northeast-2', '--format', 'parseable'], {
        encoding: 'utf8',
      });
    } catch (e) {
      const err = e as { status: number; stdout: string; code?: string };
      if (err.code === 'ENOENT') throw new Error('cfn-lint is not on PATH (CI installs cfn-lint 1.51)');
      out = err.stdout;
      expect(err.status & 2, out).toBe(0);
    }
    expect(out.split('\n').filter((l) => /:E\d{4}:/.test(l))).toEqual([]);
  });
});

describe('BI stack (direct query)', () => {
  it('imports nothing into SPICE and schedules no refresh', () => {
    const config: PlatformConfig = { ...FULL_CONFIG, bi: { ...FULL_CONFIG.bi, importMode: 'DIRECT_QUERY' } };
    const t = Template.fromStack(testPlatform(config).platform.bi!);
    t.resourceCountIs('AWS::QuickSight::RefreshSchedule', 0);
    for (const ds of Object.values(t.findResources('AWS::QuickSight::DataSet'))) {
      expect(ds['Properties']['ImportMode']).toBe('DIRECT_QUERY');
    }
  });
});
