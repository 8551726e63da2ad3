// `npm run build:web` (and `npm install`, through `prepare`): the workspace's typed API client is generated from
// the OpenAPI document (web/src/api-schema.d.ts, openapi-typescript), then Vite builds web/ into web/dist, which
// the platform serves at /.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { build } from 'vite';
import { apiDocument } from '../functions/web/api.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildWeb(options: { quiet?: boolean } = {}): Promise<void> {
  const types = astToString(await openapiTS(apiDocument() as never));
  writeFileSync(join(ROOT, 'web', 'src', 'api-schema.d.ts'), `// Generated from the OpenAPI document by scripts/build-web.ts: do not edit.\n${types}`);
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: options.quiet ? 'warn' : 'info' });
  // served by the deployed web function, which cannot generate it (that reads every function's schemas)
  writeFileSync(join(ROOT, 'web', 'dist', 'openapi.json'), JSON.stringify(apiDocument()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
