// The AWS SDK pieces the S3 provider uses, loaded on first use (see shared/storage/s3-sdk.ts for why named re-exports).
export { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
