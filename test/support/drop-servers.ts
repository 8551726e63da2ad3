// Real playout drop-folder servers on loopback for distribution tests, each on its own free port and in its own
// temporary folder: OpenSSH's sshd (key and password auth) and vsftpd, both logging in a non-root system user
// (`mtdrop`, made once with useradd). Debian packages: openssh-server, vsftpd (.ci/run installs them). Needs root,
// as the CI machine runs the tests: sshd and vsftpd switch to the user they log in.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.ts';

export const DROP_USER = 'mtdrop';

export interface DropServer {
  port: number;
  /** the folder the server writes into, as seen on this machine (and by the server: the same path) */
  directory: string;
  username: string;
  password: string;
  /** OpenSSH private key (sftp only) */
  privateKey?: string;
  /** the host key's SHA256 fingerprint (sftp only) */
  hostKeySha256?: string;
  stop(): Promise<void>;
}

/** This process's password and home for the user: servers started side by side share them. */
let dropUser: { password: string; uid: number; gid: number } | undefined;

/** Makes the system user once (useradd), and gives it a fresh password and home once per process. */
function ensureDropUser(): { password: string; uid: number; gid: number } {
  if (dropUser) return dropUser;
  const home = mkdtempSync(join(tmpdir(), 'mediateca-drop-home-'));
  chmodSync(home, 0o755);
  try {
    execFileSync('id', ['-u', DROP_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/sh', DROP_USER]);
  }
  execFileSync('usermod', ['--home', home, DROP_USER]);
  const password = randomBytes(12).toString('hex');
  execFileSync('chpasswd', { input: `${DROP_USER}:${password}\n` });
  const uid = Number(execFileSync('id', ['-u', DROP_USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', DROP_USER]).toString().trim());
  chownSync(home, uid, gid);
  dropUser = { password, uid, gid };
  return dropUser;
}

function workspace(kind: string) {
  const root = mkdtempSync(join(tmpdir(), `mediateca-${kind}-`));
  chmodSync(root, 0o755);
  const directory = join(root, 'dropbox');
  mkdirSync(directory);
  const { password, uid, gid } = ensureDropUser();
  chownSync(directory, uid, gid);
  return { root, directory, password };
}

function run(command: string, args: string[], root: string): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk) => writeFileSync(join(root, `${command.split('/').pop()}.log`), chunk, { flag: 'a' }));
  return child;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function stopper(child: ChildProcess, root: string) {
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(root, { recursive: true, force: true });
  };
}

export async function startSshd(): Promise<DropServer> {
  const { root, directory, password } = workspace('sshd');
  const port = await freePort();
  const hostKey = join(root, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).toString().split(' ')[1]!;
  const clientKey = join(root, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  const authorizedKeys = join(root, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(root, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${join(root, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`, 'PasswordAuthentication yes', 'PubkeyAuthentication yes', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'StrictModes no', 'PermitRootLogin no', `AllowUsers ${DROP_USER}`, 'Subsystem sftp internal-sftp', 'LogLevel ERROR',
  ].join('\n') + '\n');
  const child = run('/usr/sbin/sshd', ['-D', '-e', '-f', config], root);
  await waitForPort(port, child, 'sshd');
  return { port, directory, username: DROP_USER, password, privateKey: readFileSync(clientKey, 'utf8'), hostKeySha256: fingerprint, stop: stopper(child, root) };
}

export async function startVsftpd(): Promise<DropServer> {
  const { root, directory, password } = workspace('vsftpd');
  const port = await freePort();
  const emptyDir = join(root, 'empty');
  mkdirSync(emptyDir, { mode: 0o755 });
  const config = join(root, 'vsftpd.conf');
  writeFileSync(config, [
    'listen=YES', 'listen_ipv6=NO', 'listen_address=127.0.0.1', `listen_port=${port}`, 'background=NO',
    'anonymous_enable=NO', 'local_enable=YES', 'write_enable=YES', 'local_umask=022', 'pam_service_name=vsftpd',
    `secure_chroot_dir=${emptyDir}`, 'seccomp_sandbox=NO', 'pasv_enable=YES', 'pasv_address=127.0.0.1',
    // passive data ports: any free one the kernel gives (several transfers at once)
    'pasv_min_port=0', 'pasv_max_port=0', 'port_enable=NO', 'xferlog_enable=NO', 'dual_log_enable=NO',
    `vsftpd_log_file=${join(root, 'vsftpd.xfer.log')}`, 'userlist_enable=NO', 'chroot_local_user=NO',
  ].join('\n') + '\n');
  const child = run('/usr/sbin/vsftpd', [config], root);
  await waitForPort(port, child, 'vsftpd');
  return { port, directory, username: DROP_USER, password, stop: stopper(child, root) };
}
