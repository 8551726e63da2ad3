// The Mediateca CLI (`npx mediateca --help`): a client of the platform's HTTP API, like the web app. Human
// output by default (progress bars on stderr, tables on stdout); `--json` prints one JSON document on stdout
// for scripts. Exit codes: 0 done, 1 something failed (an upload, an import item, a request), 2 a usage error.
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import { Api, ApiError } from './api.ts';
import { type GlobalOptions, context, list, outcome, positive, projectOf, table } from './context.ts';
import { download } from './download.ts';
import { importCommand } from './imports.ts';
import { publishCommand } from './publish.ts';
import { human } from './progress.ts';
import { UsageError, readSettings, writeSettings } from './settings.ts';
import { type FileResult, uploadPaths } from './upload.ts';

const program = new Command('mediateca')
  .description('Mediateca from the command line: upload, find, describe, download and bulk-import media')
  .option('--json', 'print one JSON document on stdout (for scripts)')
  .option('-q, --quiet', 'no progress output')
  .showHelpAfterError()
  .exitOverride();

program.command('login')
  .description('store the server URL and a token (and a default project) in the config file')
  .argument('<server>', 'base URL of the platform, e.g. http://127.0.0.1:8080')
  .option('--token <token>', 'API token (else read from MEDIATECA_TOKEN or asked for)')
  .option('--project <id>', 'default project for upload and import')
  .action(async (server: string, options: { token?: string; project?: string }, command: Command) => {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`not a URL: ${server}`);
    }
    const token = options.token ?? process.env.MEDIATECA_TOKEN ?? (await ask('token: '));
    if (!token) throw new UsageError('a token is needed');
    const api = new Api(url.toString(), token);
    await api.get('/assets?limit=1'); // the token works against this server
    const file = writeSettings({ server: api.server, token, ...(options.project ?? readSettings().project ? { project: options.project ?? readSettings().project } : {}) });
    const json = command.optsWithGlobals<GlobalOptions>().json;
    process.stdout.write(json ? `${JSON.stringify({ server: api.server, project: options.project, config: file })}\n` : `logged in to ${api.server}; settings in ${file}\n`);
  });

program.command('upload')
  .description('upload files and folders (in parallel, resumable; files already in the project are skipped)')
  .argument('<paths...>', 'files and folders (folders recursively)')
  .option('--project <id>', 'project to upload into')
  .option('--tags <list>', 'comma-separated tags for every file', list, [])
  .option('-c, --concurrency <n>', 'files in flight at once', positive('--concurrency'), 4)
  .option('--part-concurrency <n>', 'parts of one large file in flight at once', positive('--part-concurrency'), 4)
  .action(async (paths: string[], options: { project?: string; tags: string[]; concurrency: number; partConcurrency: number }, command: Command) => {
    const ctx = context(command);
    const results = await uploadPaths(ctx.api, paths, { project: projectOf(ctx, options.project), concurrency: options.concurrency, partConcurrency: options.partConcurrency, tags: options.tags, progress: ctx.progress });
    const totals = summarise(results);
    if (totals.failed > 0) ctx.fail();
    ctx.print(
      `${table(['file', 'result', 'asset', 'size', 'detail'], results.map((r) => [r.path, r.result, r.assetId ?? r.duplicateOf, human(r.size), r.detail]))}\n` +
        `${totals.uploaded} uploaded (${totals.resumed} resumed or finished earlier), ${totals.duplicate} duplicates skipped, ${totals.failed} failed, ${human(totals.bytes)} in ${results.length} files`,
      { files: results, totals },
    );
  });

function summarise(results: FileResult[]) {
  const count = (result: FileResult['result']) => results.filter((r) => r.result === result).length;
  return { files: results.length, uploaded: count('uploaded'), resumed: results.filter((r) => r.resumed).length, duplicate: count('duplicate'), failed: count('failed'), bytes: results.reduce((s, r) => s + r.size, 0) };
}

program.command('search')
  .description('search the assets you can see')
  .argument('[query...]', 'words to look for')
  .option('--mode <mode>', 'text, semantic or hybrid')
  .option('--type <list>', 'media types (image,video,audio,document…)')
  .option('--tags <list>', 'tags, comma-separated')
  .option('--project <id>', 'one project only')
  .option('--state <list>', 'asset states (default ready,archived)')
  .option('--limit <n>', 'hits per page', positive('--limit'), 20)
  .option('--cursor <cursor>', 'the next page (nextCursor of the previous one)')
  .action(async (words: string[], options: Record<string, string | number | undefined>, command: Command) => {
    const ctx = context(command);
    const params = new URLSearchParams();
    if (words.length) params.set('q', words.join(' '));
    for (const [option, param] of [['mode', 'mode'], ['type', 'mediaType'], ['tags', 'tags'], ['project', 'projectId'], ['state', 'state'], ['limit', 'limit'], ['cursor', 'cursor']] as const) {
      if (options[option] !== undefined) params.set(param, String(options[option]));
    }
    const result = await ctx.api.get(`/search?${params}`);
    ctx.print(
      `${table(['asset', 'title', 'type', 'state', 'tags', 'score'], result.hits.map((h: any) => [h.assetId, h.title, h.mediaType, h.state, (h.tags ?? []).join(', '), Number(h.score).toFixed(3)]))}\n` +
        `${result.total}${result.totalIsEstimate ? ' (estimated)' : ''} matches${result.nextCursor ? `; next page: --cursor ${result.nextCursor}` : ''}`,
      result,
    );
  });

program.command('get')
  .description('show one asset: state, metadata, renditions')
  .argument('<asset>', 'asset id')
  .action(async (id: string, _options: unknown, command: Command) => {
    const ctx = context(command);
    const asset = await ctx.api.get(`/assets/${encodeURIComponent(id)}`);
    const rows: [string, string][] = [
      ['id', asset.id], ['project', asset.projectId], ['state', `${asset.state}${asset.stateReason ? ` (${asset.stateReason})` : ''}`],
      ['title', asset.title], ['description', asset.description], ['tags', asset.tags.join(', ')], ['file', `${asset.filename} (${asset.contentType}, ${human(asset.size)})`],
      ['sha256', asset.sha256 ?? ''], ['version', String(asset.version)], ['created', asset.createdAt],
      ...asset.renditions.map((r: any) => [`rendition ${r.name}`, `${r.contentType}, ${human(r.size)}${r.width ? `, ${r.width}×${r.height}` : ''}`] as [string, string]),
    ];
    ctx.print(table(['field', 'value'], rows), asset);
  });

program.command('edit')
  .description("change an asset's title, description or tags")
  .argument('<asset>', 'asset id')
  .option('--title <title>')
  .option('--description <text>')
  .option('--tags <list>', 'replace the tags (comma-separated; "" for none)', (v: string) => list(v))
  .option('--add-tag <tag...>', 'add tags')
  .option('--remove-tag <tag...>', 'remove tags')
  .action(async (id: string, options: { title?: string; description?: string; tags?: string[]; addTag?: string[]; removeTag?: string[] }, command: Command) => {
    const ctx = context(command);
    const path = `/assets/${encodeURIComponent(id)}`;
    const current = await ctx.api.get(path);
    const change: Record<string, unknown> = {};
    if (options.title !== undefined) change.title = options.title;
    if (options.description !== undefined) change.description = options.description;
    if (options.tags || options.addTag || options.removeTag) {
      const tags = new Set<string>(options.tags ?? current.tags);
      for (const tag of options.addTag ?? []) tags.add(tag);
      for (const tag of options.removeTag ?? []) tags.delete(tag);
      change.tags = [...tags];
    }
    if (Object.keys(change).length === 0) throw new UsageError('nothing to change: give --title, --description, --tags, --add-tag or --remove-tag');
    // If-Match: someone else's edit in between answers 412 instead of being overwritten
    const updated = (await ctx.api.request('PATCH', path, change, { 'if-match': `"${current.version}"` })).body;
    ctx.print(`asset ${updated.id} is at version ${updated.version}: ${Object.keys(change).join(', ')} changed`, updated);
  });

program.command('download')
  .description('download the original (or a rendition); an interrupted download continues where it stopped')
  .argument('<asset>', 'asset id')
  .option('-o, --output <file>', 'where to write (default: the asset\'s file name)')
  .option('--rendition <name>', 'a rendition instead of the original (e.g. thumbnail, preview)')
  .action(async (id: string, options: { output?: string; rendition?: string }, command: Command) => {
    const ctx = context(command);
    const result = await download(ctx.api, id, { ...options, progress: ctx.progress });
    ctx.print(`${result.file}: ${human(result.bytes)}${result.resumedFrom ? `, resumed at byte ${result.resumedFrom}` : ''}${result.sha256 ? ', SHA-256 verified' : ''}`, result);
  });

program.addCommand(importCommand());
program.addCommand(publishCommand());

async function ask(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.trim();
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}

try {
  await program.parseAsync(process.argv);
  process.exitCode = outcome.failed ? 1 : 0;
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const json = program.opts<GlobalOptions>().json;
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: message, ...(error instanceof ApiError ? { status: error.status, problem: error.problem } : {}) })}\n`);
    process.stderr.write(`mediateca: ${message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
