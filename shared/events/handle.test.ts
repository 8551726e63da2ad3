// handleEvent: the idempotency record can commit with the handler's own database writes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestPlatform } from '../../test/support/platform.ts';
import { EVENT_SOURCE } from './catalog.ts';
import { newEvent } from './envelope.ts';
import { type EventHandlers, handleEvent } from './handle.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform(); });
after(() => platform.dispose());

const projectCount = async (id: string) => (await platform.db.selectFrom('projects').select('id').where('id', '=', id).execute()).length;

test('a crash after the handler committed its writes with markProcessed(trx): the redelivery does not run them again', async () => {
  let runs = 0;
  const handlers: EventHandlers = {
    'io.mediateca.uploads.expire-requested': async (_event, p, context) => {
      runs++;
      await p.db.transaction().execute(async (trx) => {
        await trx.insertInto('projects').values({ id: `effect-${runs}`, name: 'effect', settings: {} }).execute();
        await context.markProcessed(trx);
      });
      if (runs === 1) throw new Error('killed after the commit');
    },
  };
  const event = newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {});
  await assert.rejects(handleEvent(platform, 'crashing', handlers, event), /killed after the commit/);
  assert.deepEqual(await handleEvent(platform, 'crashing', handlers, event), { status: 'duplicate', id: event.id });
  assert.equal(runs, 1);
  assert.equal(await projectCount('effect-2'), 0);
});

test('a handler whose transaction rolls back leaves the event unprocessed, so the redelivery runs it', async () => {
  let runs = 0;
  const handlers: EventHandlers = {
    'io.mediateca.uploads.expire-requested': async (_event, p, context) => {
      runs++;
      await p.db.transaction().execute(async (trx) => {
        await trx.insertInto('projects').values({ id: 'rolled-back', name: 'x', settings: {} }).execute();
        await context.markProcessed(trx);
        if (runs === 1) throw new Error('failed inside the transaction');
      });
    },
  };
  const event = newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {});
  await assert.rejects(handleEvent(platform, 'rolling-back', handlers, event));
  assert.equal(await projectCount('rolled-back'), 0);
  assert.deepEqual(await handleEvent(platform, 'rolling-back', handlers, event), { status: 'processed', id: event.id });
  assert.equal(await projectCount('rolled-back'), 1);
});

test('a handler that does not mark is marked after it returns', async () => {
  const event = newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {});
  const handlers: EventHandlers = { 'io.mediateca.uploads.expire-requested': async () => {} };
  assert.equal((await handleEvent(platform, 'plain', handlers, event)).status, 'processed');
  assert.equal((await handleEvent(platform, 'plain', handlers, event)).status, 'duplicate');
});
