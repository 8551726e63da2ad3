import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batched } from './batched.ts';

/** A write that waits until released, recording each batch it was given. */
function gatedWrite() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const write = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((n) => n * 10);
  };
  return { batches, releases, write };
}

test('an item alone is written at once; what arrives meanwhile goes in one next batch, each caller getting its own result', async () => {
  const { batches, releases, write } = gatedWrite();
  const batched = new Batched(write);
  const first = batched.add(1);
  assert.deepEqual(batches, [[1]]);
  const rest = [batched.add(2), batched.add(3), batched.add(4)];
  assert.deepEqual(batches, [[1]], 'nothing more is written while a batch is in flight');
  releases.shift()!();
  assert.equal(await first, 10);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
  releases.shift()!();
  assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
  await batched.idle();
  batched.add(5);
  assert.deepEqual(batches.at(-1), [5], 'idle again: the next item is written at once');
  releases.shift()!();
  await batched.idle();
});

test("a failed batch rejects its own items only; the next batch is still written", async () => {
  let calls = 0;
  const batched = new Batched(async (items: string[]) => {
    calls++;
    if (items.includes('bad')) throw new Error('refused');
    return items.map((item) => item.toUpperCase());
  });
  const bad = batched.add('bad');
  const good = batched.add('good');
  await assert.rejects(bad, /refused/);
  assert.equal(await good, 'GOOD');
  await batched.idle();
  assert.equal(calls, 2);
});
