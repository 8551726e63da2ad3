// `npm run setup:storage` (upload-complete's setup mode, a Job in a cluster) against the real Ceph RGW: buckets with
// their CORS rules, and the incoming bucket notifying upload-complete at NOTIFY_ENDPOINT, idempotently.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { GetBucketCorsCommand, GetBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { setupObjectStore } from '../../functions/upload-complete/setup.ts';
import { loadConfig } from '../../shared/config.ts';
import { openStore } from '../../shared/platform.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { S3, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const available = await requireServer('Ceph RGW (S3)', S3.endpoint);

describe('setup:storage on Ceph RGW', { skip: !available }, () => {
  const run = `mt-setup-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const env = {
    S3_ENDPOINT: S3.endpoint, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey, S3_REGION: S3.region,
    BUCKET_INCOMING: `${run}-incoming`, BUCKET_MASTERS: `${run}-masters`, BUCKET_RENDITIONS: `${run}-renditions`,
    PUBLIC_URL: 'https://api.mediateca.test',
    NOTIFY_ENDPOINT: 'http://upload-complete.mediateca.svc.cluster.local/',
    EVENTS_SECRET: `setup-secret-${run}`,
  };
  const config = loadConfig(env);
  const topicName = uploadNotificationTopic(config.buckets.incoming);
  after(async () => {
    await removeRgwNotifications(S3, { bucket: config.buckets.incoming, topicName }).catch((error) => console.warn('notification cleanup:', error));
    await emptyAndDeleteBuckets((await openStore(config)) as S3ObjectStore);
  });

  test('creates the buckets with CORS for the PUBLIC_URL origin and wires the notification; a second run changes nothing', async () => {
    const lines: string[] = [];
    await setupObjectStore(config, (line) => lines.push(line));
    await setupObjectStore(config, (line) => lines.push(line));
    assert.match(lines.at(-1)!, new RegExp(`bucket ${config.buckets.incoming} notifies upload-complete through arn:aws:sns:.*:${topicName}`));

    const client = await ((await openStore(config)) as S3ObjectStore).client();
    for (const bucket of Object.values(config.buckets)) {
      const { CORSRules = [] } = await client.send(new GetBucketCorsCommand({ Bucket: bucket }));
      assert.deepEqual(CORSRules.map((rule) => rule.AllowedOrigins), [['https://api.mediateca.test']], bucket);
    }
    const { TopicConfigurations = [] } = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: config.buckets.incoming }));
    assert.equal(TopicConfigurations.length, 1);
    assert.equal(TopicConfigurations[0]!.Id, topicName);
    assert.deepEqual(TopicConfigurations[0]!.Events, ['s3:ObjectCreated:*']);
    const sns = new SNSClient({ endpoint: S3.endpoint, region: S3.region, credentials: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey } });
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: TopicConfigurations[0]!.TopicArn }));
    assert.match(JSON.stringify(Attributes), /upload-complete\.mediateca\.svc\.cluster\.local/);
    assert.ok(JSON.stringify(Attributes).includes(`/?secret=setup-secret-${run}`), 'the push endpoint carries the events secret');
  });

  test('without NOTIFY_ENDPOINT it says what to set', async () => {
    await assert.rejects(setupObjectStore(loadConfig({ ...env, NOTIFY_ENDPOINT: undefined }), () => {}), /NOTIFY_ENDPOINT must be set/);
  });
});
