// `npm start`: the whole platform on one machine. Prints the base URL and a development token.
import { loadConfig } from '../shared/config.ts';
import { startHost } from './host.ts';

const config = loadConfig();
const host = await startHost(config, config.http.port);
const mode = [config.databaseUrl.startsWith('postgres') ? 'PostgreSQL' : `PGlite (${config.databaseUrl})`, config.s3 ? `S3 ${config.s3.endpoint}` : `filesystem store (${config.dataDir}/objects)`, config.natsUrl ? `NATS JetStream ${config.natsUrl}` : 'in-process events'].join(', ');
console.log(`\nMediateca is running at ${host.url}\n  ${mode}`);
if (host.platform.signer) {
  const project = process.env.MEDIATECA_PROJECT ?? 'newsroom';
  const token = await host.platform.signer.mint('dev', { [project]: 'admin' });
  console.log(`  development token (admin of project "${project}", valid ${host.platform.signer.defaultTtlSeconds / 3600} h):\n\n${token}\n`);
  console.log(`  workspace (signs you in with this token; the part after # never reaches a server):\n  ${host.url}/#token=${token}\n  API reference: ${host.url}/docs\n`);
  console.log(`  try: curl -H "Authorization: Bearer $TOKEN" '${host.url}/search?q=photo'\n  more tokens: npm run token -- <subject> <project>=<role> ...\n`);
}
const shutdown = async () => { await host.stop(); process.exit(0); };
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
