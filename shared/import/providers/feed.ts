// A Media RSS (RSS 2.0 with media:content / enclosure) or Atom feed (link rel="enclosure", media:content):
// every media file it points at, with the entry's title and categories/keywords as tags.
import { XMLParser } from 'fast-xml-parser';
import type { SourceOf } from '../sources.ts';
import { FetchError } from '../net.ts';
import { fetchHttpItem } from './http.ts';
import { type ImportProvider, type ListedItem, hostOfUrl } from './provider.ts';

const MAX_FEED_BYTES = 20 * 1024 * 1024;
const ALWAYS_ARRAYS = new Set(['item', 'entry', 'media:content', 'media:group', 'link', 'category', 'enclosure']);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ALWAYS_ARRAYS.has(name), processEntities: true });

export const feedProvider: ImportProvider<SourceOf<'feed'>> = {
  async *listItems(source, context) {
    const xml = await context.http.getText(source.url, MAX_FEED_BYTES, context.signal);
    yield* feedItems(xml, source.url);
  },
  fetchItem: (item, _source, context) => fetchHttpItem(item, context),
  hostOf: (item) => hostOfUrl(item.url),
};

export function feedItems(xml: string, base: string): ListedItem[] {
  let doc: any;
  try {
    doc = parser.parse(xml);
  } catch (error) {
    throw new FetchError(`the feed is not XML: ${(error as Error).message}`, true);
  }
  const entries: any[] = doc?.rss?.channel?.item ?? doc?.feed?.entry ?? doc?.['rdf:RDF']?.item;
  if (!entries) throw new FetchError('not an RSS or Atom feed (no channel items or entries)', true);
  const items: ListedItem[] = [];
  for (const entry of entries) {
    const title = text(entry.title) || text(entry['media:title']);
    const tags = [...(entry.category ?? []).map((c: any) => text(c) || c?.['@_term']), ...text(entry['media:keywords']).split(',')]
      .map((t: unknown) => String(t ?? '').trim())
      .filter(Boolean);
    const contents = [...(entry['media:content'] ?? []), ...(entry['media:group'] ?? []).flatMap((g: any) => g['media:content'] ?? [])];
    const urls = contents.map((c: any) => c['@_url']);
    for (const enclosure of entry.enclosure ?? []) urls.push(enclosure['@_url']);
    for (const link of entry.link ?? []) if (link?.['@_rel'] === 'enclosure') urls.push(link['@_href']);
    for (const url of new Set(urls.filter(Boolean))) {
      items.push({ url: new URL(String(url), base).href, ...(title ? { title: title.slice(0, 500) } : {}), ...(tags.length ? { tags: [...new Set(tags)].slice(0, 50) } : {}) });
    }
  }
  return items;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return String((value as Record<string, unknown>)['#text'] ?? '').trim();
  return String(value).trim();
}
