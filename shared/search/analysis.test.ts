import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsByConfidence, ocrIndexText } from './analysis.ts';

test('OCR text keeps words and numbers, drops single characters and symbol runs', () => {
  assert.equal(ocrIndexText('SEÑAL | e ~~=- DE TRÁFICO •••  l 2026 N-II C/ Mayor ,.; A'), 'SEÑAL DE TRÁFICO 2026 N-II Mayor');
  assert.equal(ocrIndexText('   '), '');
  assert.equal(ocrIndexText('a b c | / \\'), '');
});

test('labels split by confidence; a label without one is strong', () => {
  const doc = { labels: ['dog', 'perro', 'kite', 'cometa'], labelConfidence: { dog: 0.9, perro: 0.9, kite: 0.2, cometa: 0.2 } };
  assert.deepEqual(labelsByConfidence(doc as never), { strong: ['dog', 'perro'], weak: ['kite', 'cometa'] });
  assert.deepEqual(labelsByConfidence({ labels: ['car'] } as never), { strong: ['car'], weak: [] });
  assert.deepEqual(labelsByConfidence({} as never), { strong: [], weak: [] });
});
