// Fetching one item over HTTP(S), shared by every provider whose items are URLs.
import type { ImportItem } from '../../db/schema.ts';
import { type FetchedItem, type ProviderContext, filenameFromUrl } from './provider.ts';

export async function fetchHttpItem(item: ImportItem, context: ProviderContext): Promise<FetchedItem> {
  const { response, url } = await context.http.get(item.url, context.signal);
  const length = response.headers['content-length'];
  return {
    body: response,
    size: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
    contentType: response.headers['content-type'],
    filename: item.filename ?? filenameFromUrl(url.href),
    url: url.href,
  };
}
