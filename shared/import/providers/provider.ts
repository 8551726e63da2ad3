// The provider port: a source lists its items, and fetches one item as a byte stream. A new source type is one
// file implementing this, registered in index.ts, plus its run of the contract test.
import type { Readable } from 'node:stream';
import type { ImportItem } from '../../db/schema.ts';
import type { PoliteHttp } from '../polite-http.ts';

/** A listed item; `problem` marks a source row that cannot be imported (it is reported, not fetched). */
export interface ListedItem extends ImportItem {
  problem?: string;
}

export interface FetchedItem {
  body: Readable;
  /** bytes, when the source says (Content-Length, the object's size) */
  size?: number;
  /** what the source declares; the bytes are sniffed too */
  contentType?: string;
  filename: string;
  /** where the bytes came from after redirects */
  url: string;
}

export interface ProviderContext {
  http: PoliteHttp;
  signal?: AbortSignal;
}

export interface ImportProvider<S> {
  listItems(source: S, context: ProviderContext): AsyncIterable<ListedItem>;
  fetchItem(item: ImportItem, source: S, context: ProviderContext): Promise<FetchedItem>;
  /** the host whose politeness limits apply to the item */
  hostOf(item: ImportItem, source: S): string;
}

/** The last path segment of a URL, decoded, as a display filename. */
export function filenameFromUrl(url: string): string {
  try {
    const segment = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
    return decodeURIComponent(segment) || 'file';
  } catch {
    return 'file';
  }
}

export function hostOfUrl(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return '';
  }
}
