// Image and video sitemaps (Google's image:image / video:video extensions), and sitemap indexes pointing at
// them, followed one level deep. Page URLs without media are not items.
import { XMLParser } from 'fast-xml-parser';
import type { SourceOf } from '../sources.ts';
import { FetchError } from '../net.ts';
import { fetchHttpItem } from './http.ts';
import { type ImportProvider, type ListedItem, type ProviderContext, hostOfUrl } from './provider.ts';

const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;
const MAX_CHILD_SITEMAPS = 100;
const ALWAYS_ARRAYS = new Set(['url', 'sitemap', 'image:image', 'video:video', 'video:tag']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ALWAYS_ARRAYS.has(name) });

export const sitemapProvider: ImportProvider<SourceOf<'sitemap'>> = {
  async *listItems(source, context) {
    const doc = await load(source.url, context);
    if (doc.sitemapindex) {
      const children = (doc.sitemapindex.sitemap ?? []).map((s: any) => String(s.loc ?? '').trim()).filter(Boolean).slice(0, MAX_CHILD_SITEMAPS);
      for (const child of children) yield* sitemapItems(await load(new URL(child, source.url).href, context), child);
      return;
    }
    yield* sitemapItems(doc, source.url);
  },
  fetchItem: (item, _source, context) => fetchHttpItem(item, context),
  hostOf: (item) => hostOfUrl(item.url),
};

async function load(url: string, context: ProviderContext): Promise<any> {
  const xml = await context.http.getText(url, MAX_SITEMAP_BYTES, context.signal);
  try {
    const doc = parser.parse(xml);
    if (!doc?.urlset && !doc?.sitemapindex) throw new Error('no urlset or sitemapindex');
    return doc;
  } catch (error) {
    throw new FetchError(`${url} is not a sitemap: ${(error as Error).message}`, true);
  }
}

export function sitemapItems(doc: any, base: string): ListedItem[] {
  const items: ListedItem[] = [];
  for (const entry of doc.urlset?.url ?? []) {
    for (const image of entry['image:image'] ?? []) {
      const title = String(image['image:title'] ?? image['image:caption'] ?? '').trim();
      if (image['image:loc']) items.push({ url: new URL(String(image['image:loc']).trim(), base).href, ...(title ? { title: title.slice(0, 500) } : {}) });
    }
    for (const video of entry['video:video'] ?? []) {
      const location = video['video:content_loc'];
      if (!location) continue; // a player page only (video:player_loc): nothing to fetch
      const title = String(video['video:title'] ?? '').trim();
      const tags = (video['video:tag'] ?? []).map((t: unknown) => String(t).trim()).filter(Boolean);
      items.push({
        url: new URL(String(location).trim(), base).href,
        ...(title ? { title: title.slice(0, 500) } : {}),
        ...(video['video:description'] ? { description: String(video['video:description']).slice(0, 20000) } : {}),
        ...(tags.length ? { tags } : {}),
      });
    }
  }
  return items;
}
