// The providers by source type.
import type { ImportSource } from '../sources.ts';
import { csvProvider } from './csv.ts';
import { feedProvider } from './feed.ts';
import type { ImportProvider } from './provider.ts';
import { s3Provider } from './s3.ts';
import { sitemapProvider } from './sitemap.ts';
import { urlsProvider } from './urls.ts';

const PROVIDERS = { urls: urlsProvider, csv: csvProvider, feed: feedProvider, sitemap: sitemapProvider, s3: s3Provider };

export function providerFor<S extends ImportSource>(source: S): ImportProvider<S> {
  return PROVIDERS[source.type] as unknown as ImportProvider<S>;
}
