// `mediateca publish <assets…> --channel <name|id>`: one publication per asset through the distribution API
// (POST /assets/:id/publications; publishing the same version to the same channel again is answered with the
// publication already there). With --wait, follows each until it is delivered or failed. A table (or --json) says
// what became of each asset; any refusal or failed delivery makes the exit code 1.
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { ApiError } from './api.ts';
import { context, list, projectOf, table } from './context.ts';
import { UsageError } from './settings.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** where a publication stops moving by itself */
const SETTLED = new Set(['delivered', 'failed', 'retracted']);

export interface PublishResult { assetId: string; publicationId?: string; state: string; externalUrl?: string | null; error?: string }

export function publishCommand(): Command {
  return new Command('publish')
    .description('publish assets to a distribution channel (by name, or id); --wait follows each delivery')
    .argument('<assets...>', 'asset ids')
    .requiredOption('--channel <channel>', 'channel name (needs the admin role to look it up) or channel id')
    .option('--project <id>', 'the project whose channel is named (default: the one stored at login)')
    .option('--at <instant>', 'not before this instant (ISO 8601): an embargo')
    .option('--rendition <names>', 'renditions to send (comma-separated; default: the channel\'s)', list)
    .option('--wait', 'wait until every publication is delivered or failed')
    .option('--timeout <seconds>', 'how long --wait waits', (v: string) => Number(v), 300)
    .action(async (assets: string[], options: { channel: string; project?: string; at?: string; rendition?: string[]; wait?: boolean; timeout: number }, command: Command) => {
      const ctx = context(command);
      if (options.at !== undefined && Number.isNaN(Date.parse(options.at))) throw new UsageError(`--at must be an ISO 8601 instant, not "${options.at}"`);
      let channelId = options.channel;
      if (!UUID.test(channelId)) {
        const project = projectOf(ctx, options.project);
        const { channels } = await ctx.api.get(`/projects/${encodeURIComponent(project)}/channels`);
        const found = (channels as { id: string; name: string }[]).find((c) => c.name === options.channel);
        if (!found) throw new UsageError(`project ${project} has no channel named "${options.channel}" (${(channels as { name: string }[]).map((c) => c.name).join(', ') || 'none'})`);
        channelId = found.id;
      }
      const results: PublishResult[] = [];
      for (const assetId of assets) {
        try {
          const { body } = await ctx.api.request('POST', `/assets/${encodeURIComponent(assetId)}/publications`, { channelId, ...(options.at ? { at: new Date(options.at).toISOString() } : {}), ...(options.rendition ? { renditions: options.rendition } : {}) });
          results.push({ assetId, publicationId: body.id, state: body.state, externalUrl: body.externalUrl });
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          results.push({ assetId, state: 'refused', error: error.message });
        }
      }
      if (options.wait) {
        const deadline = Date.now() + options.timeout * 1000;
        while (results.some((r) => r.publicationId && !SETTLED.has(r.state)) && Date.now() < deadline) {
          await sleep(500);
          for (const result of results.filter((r) => r.publicationId && !SETTLED.has(r.state))) {
            const { publications } = await ctx.api.get(`/assets/${encodeURIComponent(result.assetId)}/publications`);
            const now = (publications as any[]).find((p) => p.id === result.publicationId);
            if (now) Object.assign(result, { state: now.state, externalUrl: now.externalUrl, error: now.lastError ?? undefined });
          }
        }
        for (const result of results.filter((r) => r.publicationId && !SETTLED.has(r.state))) result.error = `still ${result.state} after ${options.timeout} s`;
      }
      const failed = results.filter((r) => r.state === 'refused' || r.state === 'failed' || (options.wait && r.state !== 'delivered'));
      if (failed.length) ctx.fail();
      ctx.print(
        `${table(['asset', 'publication', 'state', 'where / why'], results.map((r) => [r.assetId, r.publicationId, r.state, r.error ?? r.externalUrl]))}\n${results.length - failed.length} of ${results.length} ${options.wait ? 'published' : 'accepted'}`,
        { channelId, publications: results, failed: failed.length },
      );
    });
}
