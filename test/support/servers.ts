// Integration tests run against real servers. Missing server: fail loudly on CI, otherwise skip loudly.
import { connect } from 'node:net';

/**
 * Resolves true when the server answers. When it does not: throws if CI=true, else warns and resolves false
 * (use the result as `{ skip }` for the suite). `probe` is a URL (a TCP connect to its host and port) or a function.
 */
export async function requireServer(name: string, probe: string | (() => Promise<unknown>)): Promise<boolean> {
  try {
    await (typeof probe === 'string' ? tcpProbe(probe) : probe());
    return true;
  } catch (error) {
    const message = `${name} is not reachable (${typeof probe === 'string' ? probe : 'probe failed'}): ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n*** SKIPPING: ${message} ***\n`);
    return false;
  }
}

function tcpProbe(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(new Error('timed out')); });
    socket.once('error', reject);
  });
}
