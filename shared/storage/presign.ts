// Presigned URLs without the SDK's request pipeline. getSignedUrl builds a whole command through the client's
// middleware stack (serialisation, endpoint rules) for every URL, about 1 ms of CPU each; a listing page presigns a
// thumbnail per result, an import or upload one URL per file, an HLS playlist one per segment. The request of a
// path-style URL is simple to build, and the SDK's own S3RequestPresigner signs it (SigV4, UNSIGNED-PAYLOAD) as
// getSignedUrl does; test/integration/storage-s3.test.ts uses every kind of URL against Ceph RGW.
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { S3Client } from '@aws-sdk/client-s3';

export interface PresignRequest {
  method: 'GET' | 'PUT' | 'HEAD';
  bucket: string;
  key: string;
  /** query parameters the URL carries and signs (partNumber, uploadId, response-content-disposition) */
  query?: Record<string, string>;
  /** headers the client must send with exactly these values (signed) */
  headers?: Record<string, string>;
  expiresInSeconds: number;
}

export class PathStylePresigner {
  private readonly signer: S3RequestPresigner;
  private readonly endpoint: URL;

  /** `client`: the S3 client for the endpoint the URLs point at (its credentials, region and hash are used) */
  constructor(client: S3Client, endpoint: string) {
    this.signer = new S3RequestPresigner({ ...client.config });
    this.endpoint = new URL(endpoint);
  }

  async presign(request: PresignRequest): Promise<string> {
    const { endpoint } = this;
    const base = endpoint.pathname.replace(/\/+$/, '');
    const path = `${base}/${request.bucket}/${request.key.split('/').map(encode).join('/')}`;
    const host = endpoint.host;
    const headers: Record<string, string> = { host, ...request.headers };
    const signed = await this.signer.presign(
      { protocol: endpoint.protocol, hostname: endpoint.hostname, port: endpoint.port ? Number(endpoint.port) : undefined, method: request.method, path, query: { ...request.query }, headers } as never,
      { expiresIn: request.expiresInSeconds, signableHeaders: new Set(Object.keys(request.headers ?? {}).map((name) => name.toLowerCase())) },
    );
    const query = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${encode(name)}=${encode(String(value))}`)
      .join('&');
    return `${endpoint.protocol}//${host}${path}?${query}`;
  }
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (the SDK's extendedEncodeURIComponent). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
