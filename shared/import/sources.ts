// What POST /imports accepts as a source, one valibot schema per provider.
import * as v from 'valibot';

const HttpUrl = v.pipe(v.string(), v.url('must be a URL'), v.regex(/^https?:\/\//i, 'must be an http or https URL'), v.maxLength(4096));

export const UrlsSource = v.object({ type: v.literal('urls'), urls: v.pipe(v.array(v.pipe(v.string(), v.maxLength(4096))), v.minLength(1, 'give at least one URL')) });
export const CsvSource = v.object({ type: v.literal('csv'), csv: v.pipe(v.string(), v.minLength(1), v.maxLength(64 * 1024 * 1024)) });
export const FeedSource = v.object({ type: v.literal('feed'), url: HttpUrl });
export const SitemapSource = v.object({ type: v.literal('sitemap'), url: HttpUrl });
export const S3Source = v.object({
  type: v.literal('s3'),
  endpoint: HttpUrl,
  region: v.optional(v.pipe(v.string(), v.maxLength(64)), 'us-east-1'),
  bucket: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, 'must be an S3 bucket name')),
  prefix: v.optional(v.pipe(v.string(), v.maxLength(1024)), ''),
  credentials: v.object({ accessKeyId: v.pipe(v.string(), v.minLength(1)), secretAccessKey: v.pipe(v.string(), v.minLength(1)) }),
});

export const ImportSource = v.variant('type', [UrlsSource, CsvSource, FeedSource, SitemapSource, S3Source]);
export type ImportSource = v.InferOutput<typeof ImportSource>;
export type SourceOf<T extends ImportSource['type']> = Extract<ImportSource, { type: T }>;

/** The source as shown to API clients (as stored: an S3 secret sealed or not): no secrets, no whole CSV. */
export function describeSource(source: ImportSource): Record<string, unknown> {
  if (source.type === 's3') return { ...source, credentials: { accessKeyId: source.credentials.accessKeyId, secretAccessKey: '***' } };
  if (source.type === 'csv') return { type: 'csv', bytes: Buffer.byteLength(source.csv) };
  if (source.type === 'urls') return { type: 'urls', count: source.urls.length };
  return source;
}
