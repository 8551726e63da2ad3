// Wires Ceph RGW bucket notifications to an HTTP endpoint (the upload-complete function).
// RGW's topic API is SNS-compatible (CreateTopic with attributes); the notification itself is the S3 call.
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
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
