// A plain list of URLs.
import type { SourceOf } from '../sources.ts';
import { fetchHttpItem } from './http.ts';
import { type ImportProvider, hostOfUrl } from './provider.ts';

export const urlsProvider: ImportProvider<SourceOf<'urls'>> = {
  async *listItems(source) {
    for (const url of source.urls) yield { url: url.trim() };
  },
  fetchItem: (item, _source, context) => fetchHttpItem(item, context),
  hostOf: (item) => hostOfUrl(item.url),
};
