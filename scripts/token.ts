// `npm run token -- <subject> <project>=<role> ...`: mints a token signed by the embedded default's local key.
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
const signer = await localSigner(`${config.dataDir}/keys/signing-key.json`, config.auth);
console.log(await signer.mint(subject, projects));
