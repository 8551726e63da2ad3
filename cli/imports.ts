// `mediateca import …`: bulk ingest through the platform's imports API (POST /imports and friends). The
// platform fetches the items itself; the CLI starts a batch, follows it (--wait) and fetches its report.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { type Context, context, list, positive, projectOf, readSourceFile, table } from './context.ts';
import { UsageError } from './settings.ts';

interface StartOptions {
  project?: string;
  priority?: number;
  tags?: string[];
  title?: string;
  dryRun?: boolean;
  wait?: boolean;
  report?: string;
}

const SETTLED = ['uploaded', 'skipped', 'failed', 'cancelled'] as const;

export function importCommand(): Command {
  const command = new Command('import').description('bulk ingest: the platform fetches every item of a source (URL list, CSV, feed, sitemap, S3 prefix)');
  const start = (name: string, description: string, argument: [string, string], source: (value: string, options: any) => Record<string, unknown>) => {
    const sub = command.command(name)
      .description(description)
      .argument(...argument)
      .option('--project <id>', 'project to import into')
      .option('--priority <n>', '1 (first) … 5', (v: string) => {
        const n = positive('--priority')(v);
        if (n > 5) throw new UsageError('--priority is 1 … 5');
        return n;
      })
      .option('--tags <list>', 'tags for every item (comma-separated)', list)
      .option('--title <title>', 'title for items that bring none')
      .option('--dry-run', 'only list what would be fetched')
      .option('--wait', 'follow the batch until it is done, then print its counts')
      .option('--report <file>', 'with --wait: write the CSV report there');
    if (name === 's3') {
      sub.requiredOption('--endpoint <url>', 'S3 endpoint of the source bucket')
        .option('--region <region>', 'region', 'us-east-1')
        .option('--access-key <id>', 'access key (or MEDIATECA_S3_ACCESS_KEY)')
        .option('--secret-key <secret>', 'secret key (or MEDIATECA_S3_SECRET_KEY; safer than the command line)');
    }
    sub.action(async (value: string, options: StartOptions, cmd: Command) => startImport(context(cmd), source(value, options), options));
  };
  start('urls', 'one URL per line from a file (- for stdin)', ['<file>', 'file of URLs'], (file) => ({ type: 'urls', urls: readSourceFile(file).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) }));
  start('csv', 'a CSV with a url column (title, description, tags, filename, sha256 optional)', ['<file>', 'CSV file (- for stdin)'], (file) => ({ type: 'csv', csv: readSourceFile(file) }));
  start('feed', 'a Media RSS or Atom feed', ['<url>', 'feed URL'], (url) => ({ type: 'feed', url }));
  start('sitemap', 'an image or video sitemap (or sitemap index)', ['<url>', 'sitemap URL'], (url) => ({ type: 'sitemap', url }));
  start('s3', 'every object under a prefix of another S3 bucket', ['<bucket/prefix>', 'bucket, optionally /prefix'], (value, options) => {
    const [bucket, ...prefix] = value.replace(/^s3:\/\//, '').split('/');
    const accessKeyId = options.accessKey ?? process.env.MEDIATECA_S3_ACCESS_KEY;
    const secretAccessKey = options.secretKey ?? process.env.MEDIATECA_S3_SECRET_KEY;
    if (!accessKeyId || !secretAccessKey) throw new UsageError('the S3 source needs --access-key and --secret-key (or MEDIATECA_S3_ACCESS_KEY and MEDIATECA_S3_SECRET_KEY)');
    return { type: 's3', endpoint: options.endpoint, region: options.region, bucket, prefix: prefix.join('/'), credentials: { accessKeyId, secretAccessKey } };
  });

  command.command('status').description('counts per task state and throughput of a batch').argument('<id>', 'import id')
    .option('--wait', 'follow it until it is done')
    .action(async (id: string, options: { wait?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const batch = options.wait ? await follow(ctx, id) : await ctx.api.get(`/imports/${id}`);
      printBatch(ctx, batch);
    });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    command.command(action).description(`${action} a batch`).argument('<id>', 'import id').action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const batch = (await ctx.api.request('POST', `/imports/${id}/${action}`)).body;
      ctx.print(`import ${id}: ${batch.state}`, batch);
    });
  }
  command.command('report').description('every source item → asset, duplicate or the reason it failed').argument('<id>', 'import id')
    .option('--csv', 'as CSV')
    .option('-o, --output <file>', 'write it to a file')
    .action(async (id: string, options: { csv?: boolean; output?: string }, cmd: Command) => {
      const ctx = context(cmd);
      if (options.csv) {
        const csv = (await ctx.api.request('GET', `/imports/${id}/report?format=csv`, undefined, { accept: 'text/csv' })).body as string;
        if (options.output) writeFileSync(options.output, csv);
        else process.stdout.write(csv);
        return;
      }
      const report = await ctx.api.get(`/imports/${id}/report`);
      if (options.output) writeFileSync(options.output, JSON.stringify(report, null, 2));
      ctx.print(table(['item', 'url', 'outcome', 'asset', 'reason'], report.items.map((r: any) => [r.item, r.url, r.outcome, r.assetId ?? r.duplicateOf, r.reason])), report);
    });
  return command;
}

async function startImport(ctx: Context, source: Record<string, unknown>, options: StartOptions): Promise<void> {
  const defaults = { ...(options.tags?.length ? { tags: options.tags } : {}), ...(options.title ? { title: options.title } : {}) };
  const body = { projectId: projectOf(ctx, options.project), source, ...(options.priority ? { priority: options.priority } : {}), ...(Object.keys(defaults).length ? { defaults } : {}), ...(options.dryRun ? { dryRun: true } : {}) };
  const created = (await ctx.api.request('POST', '/imports', body)).body;
  if (options.dryRun) {
    ctx.print(`${table(['url', 'state', 'reason'], created.shown.map((s: any) => [s.url, s.state, s.reason]))}\n${created.items} items, ${created.toFetch} to fetch (dry run: nothing fetched)`, created);
    return;
  }
  if (!options.wait) {
    ctx.print(`import ${created.id} started: ${created.items} items (follow it with \`mediateca import status ${created.id} --wait\`)`, created);
    return;
  }
  const batch = await follow(ctx, created.id);
  if (options.report) {
    writeFileSync(options.report, (await ctx.api.request('GET', `/imports/${created.id}/report?format=csv`, undefined, { accept: 'text/csv' })).body);
  }
  printBatch(ctx, batch);
}

/** Polls the batch until it is completed or cancelled, with a bar of settled items on a terminal. */
async function follow(ctx: Context, id: string): Promise<any> {
  const bar = ctx.progress === 'bars' ? new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {value}/{total} items | {state}' }, cliProgress.Presets.shades_classic) : undefined;
  let batch = await ctx.api.get(`/imports/${id}`);
  bar?.start(Math.max(1, batch.items), 0, { state: batch.state });
  try {
    while (batch.state !== 'completed' && batch.state !== 'cancelled') {
      await sleep(1000);
      batch = await ctx.api.get(`/imports/${id}`);
      bar?.update(SETTLED.reduce((sum, s) => sum + (batch.counts[s] ?? 0), 0), { state: batch.state });
    }
  } finally {
    bar?.stop();
  }
  return batch;
}

function printBatch(ctx: Context, batch: any): void {
  if (batch.counts.failed > 0) ctx.fail();
  const counts = Object.entries(batch.counts as Record<string, number>).map(([state, n]) => [state, n]);
  ctx.print(
    `import ${batch.id}: ${batch.state}, ${batch.items} items\n${table(['state', 'tasks'], counts)}\n` +
      `${batch.throughput.itemsPerSecond} items/s, ${(batch.throughput.bytesPerSecond / 1e6).toFixed(2)} MB/s; duplicates: ${batch.duplicates ?? 0}`,
    batch,
  );
}
