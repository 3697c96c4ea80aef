import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG } from '../lib/config';
import { template, testPlatform } from './helpers/app';

type Res = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

describe('LakeStack (default config)', () => {
  let t: Template;
  let buckets: Record<string, Res>;
  beforeAll(() => {
    const { platform } = testPlatform();
    expect(platform.lake.terminationProtection).toBe(true);
    t = template(platform.lake);
    buckets = t.findResources('AWS::S3::Bucket') as Record<string, Res>;
  });

  it('pins the logical IDs of every stateful resource (a refactor must not replace a bucket)', () => {
    const stateful = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Glue::Database', 'AWS::Glue::Table'];
    const ids = stateful.flatMap((type) => Object.keys(t.findResources(type)).map((id) => `${type} ${id}`)).sort();
    expect(ids).toEqual(
      [
        'AWS::Glue::Database CatalogDatabase44483CA3',
        'AWS::Glue::Table CatalogRawSensorTable5B3C3415',
        'AWS::Glue::Table CatalogSensorReadingsTable788E7F90',
        'AWS::KMS::Key StorageKeyBAA9457B',
        'AWS::S3::Bucket StorageAccessLogsBucketFEE4D6FB',
        'AWS::S3::Bucket StorageArchiveBucketC50834F0',
        'AWS::S3::Bucket StorageCuratedBucket1413FA2D',
        'AWS::S3::Bucket StorageProcessedBucket69BE6922',
        'AWS::S3::Bucket StorageRawBucketBBD9BDC5',
      ].sort()
    );
  });

  it('retains every bucket and the key', () => {
    for (const r of [
      ...Object.values(buckets),
      ...Object.values(t.findResources('AWS::KMS::Key') as Record<string, Res>),
    ]) {
      expect(r.DeletionPolicy).toBe('Retain');
      expect(r.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('rotates the customer-managed key', () => {
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts every data bucket with SSE-KMS under the lake key, with bucket keys', () => {
    const key = Object.keys(t.findResources('AWS::KMS::Key'))[0]!;
    const data = Object.entries(buckets).filter(([id]) => !id.includes('AccessLogs'));
    expect(data).toHaveLength(4);
    for (const [, b] of data) {
      expect(b.Properties['BucketEncryption']).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] } },
          },
        ],
      });
    }
    // S3 server access logging delivers only to SSE-S3 buckets.
    const logs = Object.entries(buckets).find(([id]) => id.includes('AccessLogs'))![1];
    expect(logs.Properties['BucketEncryption']).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('blocks all public access and never names a bucket', () => {
    for (const b of Object.values(buckets)) {
      expect(b.Properties['PublicAccessBlockConfiguration']).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties['BucketName']).toBeUndefined();
    }
  });

  it('denies non-TLS access on every bucket', () => {
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy') as Record<string, Res>);
    expect(policies).toHaveLength(5);
    for (const p of policies) {
      const statements = (p.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })
      );
    }
  });

  it('logs access of every data bucket to the access-logs bucket', () => {
    const logsId = Object.keys(buckets).find((id) => id.includes('AccessLogs'))!;
    for (const [id, b] of Object.entries(buckets)) {
      if (id === logsId) continue;
      expect(b.Properties['LoggingConfiguration']).toEqual({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: expect.stringMatching(/^s3\/\w+Bucket\/$/),
      });
    }
  });

  it('versions raw, curated and archive (not processed, which is rebuilt from raw)', () => {
    const versioned = Object.entries(buckets)
      .filter(
        ([, b]) => (b.Properties['VersioningConfiguration'] as { Status?: string } | undefined)?.Status === 'Enabled'
      )
      .map(([id]) => id.replace(/^Storage|Bucket[0-9A-F]{8}$/g, ''));
    expect(versioned.sort()).toEqual(['Archive', 'Curated', 'Raw']);
  });

  it('moves raw data to IA after 30 days and Glacier after 180, expires noncurrent versions, aborts multipart', () => {
    const raw = Object.entries(buckets).find(([id]) => id.startsWith('StorageRawBucket'))![1];
    const rules = (raw.Properties['LifecycleConfiguration'] as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'RawToColderStorage',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
          { StorageClass: 'GLACIER', TransitionInDays: 180 },
        ],
      })
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ Id: 'ExpireNoncurrentVersions', NoncurrentVersionExpiration: { NoncurrentDays: 90 } })
    );
    for (const b of Object.values(buckets)) {
      const all = (b.Properties['LifecycleConfiguration'] as { Rules: Record<string, unknown>[] }).Rules;
      expect(all).toContainEqual(
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })
      );
    }
  });

  it('defines the Glue database and date-partitioned sensor tables with every sensor column', () => {
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'smartfactory_analytics' } });
    const columns = [
      'device_id',
      'ts',
      'temperature',
      'motor_speed_rpm',
      'rvibration_temp',
      'rvibration_z_rms_velocity',
      'pressure',
    ];
    for (const [name, fmt, tsType] of [
      ['raw_sensor', 'org.openx.data.jsonserde.JsonSerDe', 'string'],
      ['sensor_readings', 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', 'timestamp'],
    ] as const) {
      t.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: name,
          PartitionKeys: [{ Name: 'dt', Type: 'string', Comment: Match.anyValue() }],
          StorageDescriptor: Match.objectLike({
            Columns: columns.map((c) =>
              Match.objectLike({ Name: c, Type: c === 'ts' ? tsType : c === 'device_id' ? 'string' : 'double' })
            ),
            SerdeInfo: { SerializationLibrary: fmt },
          }),
        }),
      });
    }
  });
});

describe('LakeStack with dataRemoval: destroy (dev)', () => {
  it('deletes buckets and the key only when the config says so', () => {
    const { platform } = testPlatform(DEV_CONFIG);
    const t = template(platform.lake);
    for (const r of Object.values(t.findResources('AWS::S3::Bucket') as Record<string, Res>)) {
      expect(r.DeletionPolicy).toBe('Delete');
    }
    expect(DEFAULT_CONFIG.dataRemoval).toBe('retain');
  });
});
