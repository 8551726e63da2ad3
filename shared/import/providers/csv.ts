// A CSV export from another system: a header row naming the columns url (required), title, description, tags
// (separated by ; or |), filename and sha256 (the expected SHA-256, also used to skip files already in the project).
import { parse } from 'csv-parse/sync';
import type { SourceOf } from '../sources.ts';
import { FetchError } from '../net.ts';
import { fetchHttpItem } from './http.ts';
import { type ImportProvider, type ListedItem, hostOfUrl } from './provider.ts';

export const csvProvider: ImportProvider<SourceOf<'csv'>> = {
  async *listItems(source) {
    let rows: Record<string, string>[];
    try {
      rows = parse(source.csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
    } catch (error) {
      throw new FetchError(`the CSV cannot be read: ${(error as Error).message}`, true);
    }
    if (rows.length > 0 && !('url' in rows[0]!)) throw new FetchError('the CSV needs a header row with a url column', true);
    for (const [index, row] of rows.entries()) yield rowItem(row, index + 2);
  },
  fetchItem: (item, _source, context) => fetchHttpItem(item, context),
  hostOf: (item) => hostOfUrl(item.url),
};

function rowItem(row: Record<string, string>, line: number): ListedItem {
  const url = row.url ?? '';
  const item: ListedItem = { url };
  if (row.title) item.title = row.title.slice(0, 500);
  if (row.description) item.description = row.description.slice(0, 20000);
  if (row.filename) item.filename = row.filename.slice(0, 1024);
  if (row.tags) item.tags = row.tags.split(/[;|]/).map((t) => t.trim()).filter(Boolean).map((t) => t.slice(0, 100));
  const problems: string[] = [];
  if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) problems.push(url ? 'url is not an http(s) URL' : 'url is empty');
  if (row.sha256) {
    if (/^[0-9a-f]{64}$/i.test(row.sha256)) item.sha256 = row.sha256.toLowerCase();
    else problems.push('sha256 is not 64 hex characters');
  }
  if (problems.length) item.problem = `line ${line}: ${problems.join('; ')}`;
  return item;
}
