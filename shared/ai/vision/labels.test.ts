import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { COCO_LABELS, findLabel, foldLabel, spanishLabel } from './labels.ts';

/** The class names the detector actually emits, read from the label list shipped in @vladmandic/human. */
async function modelVocabulary(): Promise<string[]> {
  const packageDir = dirname(dirname(createRequire(import.meta.url).resolve('@vladmandic/human')));
  const source = await readFile(join(packageDir, 'src/object/labels.ts'), 'utf8');
  return [...source.matchAll(/label: '([^']+)'/g)].map((match) => match[1]!);
}

describe('COCO labels in English and Spanish', () => {
  test('the table covers exactly the 80 classes the model emits', async () => {
    const vocabulary = await modelVocabulary();
    assert.equal(vocabulary.length, 80);
    assert.deepEqual(COCO_LABELS.map((label) => label.en), vocabulary);
  });

  test('every class has its own Spanish name, different from the others', () => {
    const spanish = COCO_LABELS.map((label) => foldLabel(label.es));
    assert.equal(new Set(spanish).size, 80);
    for (const label of COCO_LABELS) assert.ok(label.es.trim() !== '' && label.es === label.es.trim(), label.en);
  });

  test('English → Spanish and Spanish → English for all 80 classes, by name and by every synonym', () => {
    for (const label of COCO_LABELS) {
      assert.equal(spanishLabel(label.en), label.es);
      assert.equal(findLabel(label.en), label, label.en);
      assert.equal(findLabel(label.es), label, label.es);
      for (const alias of label.aliases) assert.equal(findLabel(alias), label, alias);
    }
  });

  test('no name or synonym points at two classes', () => {
    const owner = new Map<string, string>();
    for (const label of COCO_LABELS) {
      for (const name of new Set([label.en, label.es, ...label.aliases].map(foldLabel))) {
        assert.equal(owner.get(name), undefined, `"${name}" names both ${owner.get(name)} and ${label.en}`);
        owner.set(name, label.en);
      }
    }
  });

  test('search terms ignore case, accents and extra spaces', () => {
    assert.equal(findLabel('Avion')?.en, 'airplane');
    assert.equal(findLabel('  TELÉFONO   MÓVIL ')?.en, 'cell phone');
    assert.equal(findLabel('movil')?.en, 'cell phone');
    assert.equal(findLabel('Mesa de Comedor')?.en, 'dining table');
    assert.equal(findLabel('coche')?.es, 'coche');
    assert.equal(findLabel('car')?.es, 'coche');
    assert.equal(findLabel('carro')?.en, 'car');
    assert.equal(findLabel('unicornio'), undefined);
  });

  test('an English name the model does not have is an error, not a silent blank', () => {
    assert.throws(() => spanishLabel('unicorn'), /unknown COCO label: unicorn/);
  });
});
