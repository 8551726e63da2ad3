import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { openDatabase } from './connect.ts';

/**
 * A server that accepts the startup, says it is ready, and closes the connection on the first statement the
 * client sends: what a client sees when PostgreSQL shuts down right after accepting a connection. postgres.js's
 * first statement on a new connection is its read of the server's array types.
 */
function serverThatClosesOnFirstStatement() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let started = false;
    socket.on('error', () => {});
    socket.on('data', () => {
      if (started) return void socket.destroy();
      started = true;
      const authenticationOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const backendKeyData = Buffer.from([0x4b, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2]);
      const readyForQuery = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([authenticationOk, backendKeyData, readyForQuery]));
    });
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

test('a connection closed while postgres.js reads the array types fails the query instead of ending the process', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const server = serverThatClosesOnFirstStatement();
  const port = await server.listen();
  try {
    // openDatabase's first query (the migration) goes through a fresh connection; each attempt is cut off
    const opening = openDatabase(`postgres://mediateca@127.0.0.1:${port}/mediateca`, { poolSize: 1 });
    const outcome = await Promise.race([
      opening.then(() => 'opened', (error: Error) => `failed: ${error.message}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 3000)),
    ]);
    // let a rejection nobody handles surface
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(unhandled, [], 'no rejection escaped postgres.js');
    assert.notEqual(outcome, 'opened');
    opening.catch(() => {});
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await server.close();
  }
});
