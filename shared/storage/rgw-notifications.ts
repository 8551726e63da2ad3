// Wires Ceph RGW bucket notifications to an HTTP endpoint (the upload-complete function). Without them no upload
// ever leaves `uploading`, so the platform wires them itself: the dev host at every start, `npm run setup:storage`
// (a Job in a cluster) once per deployment. RGW's topic API is SNS-compatible (CreateTopic with attributes); the
// notification itself is the S3 call.
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '../config.ts';
import { pushEndpointWithSecret } from '../events/secret.ts';
import { s3Client } from './s3.ts';

export interface RgwConnection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RgwNotificationTarget {
  bucket: string;
  /** one topic per target; also used as the notification id on the bucket */
  topicName: string;
  /** http(s) URL RGW POSTs each event to */
  pushEndpoint: string;
}

/**
 * The URL the object store pushes the incoming bucket's events to: NOTIFY_ENDPOINT, else (the dev host) its own
 * upload-complete route, with the events secret upload-complete requires (shared/events/secret.ts). The one
 * place that builds it.
 */
export function uploadCompletePushEndpoint(config: Pick<Config, 'notifyEndpoint'>, eventsSecret: string, hostUrl?: string): string {
  const endpoint = config.notifyEndpoint || (hostUrl && `${hostUrl}/_fn/upload-complete/`);
  if (!endpoint) throw new Error('NOTIFY_ENDPOINT must be set: the URL at which the object store reaches upload-complete');
  return pushEndpointWithSecret(endpoint, eventsSecret);
}

/** One topic per incoming bucket: installations sharing an RGW user never overwrite each other's push endpoint. */
export function uploadNotificationTopic(bucket: string): string {
  return `${bucket.replace(/[^A-Za-z0-9_-]/g, '-')}-upload-complete`;
}

/** The incoming bucket notifies upload-complete of every object created in it. Idempotent: run it at every start. */
export async function ensureUploadNotifications(config: Pick<Config, 's3' | 'buckets'>, pushEndpoint: string): Promise<{ topicArn: string }> {
  if (!config.s3) throw new Error('bucket notifications need an S3 store (S3_ENDPOINT)');
  const bucket = config.buckets.incoming;
  return configureRgwNotifications(config.s3, { bucket, topicName: uploadNotificationTopic(bucket), pushEndpoint });
}

/**
 * Idempotent: CreateTopic on an existing name overwrites its attributes, and the notification is put again because
 * RGW keeps a copy of the topic in each bucket notification (a topic change takes effect only when re-put).
 *
 * What RGW 16.2 (Pacific) sends, measured: a plain JSON POST `{"Records":[...]}` with `content-type: application/json`
 * and no `ce-*` headers (the `cloudevents` attribute is accepted but ignored before Quincy), event names
 * `ObjectCreated:Put` / `:CompleteMultipartUpload` / `:Copy`, raw (not URL-encoded) keys, `eventSource: "ceph:s3"` and
 * an empty `awsRegion`. A new persistent topic's queue is picked up by RGW only after up to 30 s: early events wait, none are lost.
 */
export async function configureRgwNotifications(connection: RgwConnection, target: RgwNotificationTarget): Promise<{ topicArn: string }> {
  const { TopicArn } = await snsClient(connection).send(new CreateTopicCommand({
    Name: target.topicName,
    Attributes: {
      'push-endpoint': target.pushEndpoint,
      // binary-mode CloudEvents (ce-* headers) where RGW supports it (Quincy and later)
      cloudevents: 'true',
      // queued in RADOS and retried until the endpoint answers 2xx, instead of pushed inside the client's request
      persistent: 'true',
    },
  }));
  if (!TopicArn) throw new Error(`RGW returned no ARN for topic ${target.topicName}`);
  await (await s3Client(connection, connection.endpoint)).send(new PutBucketNotificationConfigurationCommand({
    Bucket: target.bucket,
    NotificationConfiguration: {
      TopicConfigurations: [{ Id: target.topicName, TopicArn, Events: ['s3:ObjectCreated:*'] }],
    },
  }));
  return { topicArn: TopicArn };
}

/** Removes the bucket's notification and deletes the topic (with its queue of undelivered events). */
export async function removeRgwNotifications(connection: RgwConnection, target: Pick<RgwNotificationTarget, 'bucket' | 'topicName'>): Promise<void> {
  await deleteBucketNotification(connection, target.bucket, target.topicName);
  const sns = snsClient(connection);
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  const topic = Topics.find(({ TopicArn }) => TopicArn?.endsWith(`:${target.topicName}`));
  if (topic) await sns.send(new DeleteTopicCommand({ TopicArn: topic.TopicArn }));
}

// RGW rejects an empty NotificationConfiguration (S3's way to remove notifications) and instead offers its own
// `DELETE /<bucket>?notification=<id>`, which the SDK lacks: send the closest command turned into that request before signing.
async function deleteBucketNotification(connection: RgwConnection, bucket: string, id: string): Promise<void> {
  const command = new GetBucketNotificationConfigurationCommand({ Bucket: bucket });
  command.middlewareStack.add((next) => (args) => {
    const request = args.request as { method: string; query: Record<string, string> };
    request.method = 'DELETE';
    request.query = { notification: id };
    return next(args);
  }, { step: 'build', name: 'rgwDeleteNotification' });
  await (await s3Client(connection, connection.endpoint)).send(command);
}

function snsClient(connection: RgwConnection): SNSClient {
  return new SNSClient({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
  });
}
