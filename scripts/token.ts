// `npm run token -- <subject> <project>=<role> ...`: mints a token signed by the embedded default's local key.
// The key is the one `npm start` made in the same data folder (MEDIATECA_DATA); without it there is nothing to sign
// with that the platform would accept, so this refuses rather than making a new key.
import { existsSync } from 'node:fs';
import { loadConfig } from '../shared/config.ts';
import { localSigner } from '../shared/http/auth.ts';
import { isRole, type Role } from '../shared/domain/permissions.ts';

const [subject = 'dev', ...grants] = process.argv.slice(2);
const projects: Record<string, Role> = {};
for (const grant of grants.length ? grants : ['newsroom=admin']) {
  const [project, role] = grant.split('=');
  if (!project || !isRole(role)) {
    console.error(`bad grant "${grant}": use <project>=<viewer|editor|producer|admin>`);
    process.exit(2);
  }
  projects[project] = role;
}
const config = loadConfig();
const keyFile = `${config.dataDir}/keys/signing-key.json`;
if (config.auth.jwksUrl) {
  console.error('AUTH_JWKS_URL is set: tokens come from your OIDC provider, not from npm run token');
  process.exit(2);
}
if (!existsSync(keyFile)) {
  console.error(`no signing key in the data folder ${config.dataDir} (${keyFile} is missing).\n`
    + 'Run `npm start` once with the same MEDIATECA_DATA (it makes the key), or point MEDIATECA_DATA at the folder the platform uses.');
  process.exit(2);
}
const signer = await localSigner(keyFile, config.auth);
console.log(await signer.mint(subject, projects));
