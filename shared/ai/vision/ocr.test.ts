import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import { requireServer } from '../../../test/support/servers.ts';
import { foldText, humanSample, renderBlank, renderScene, renderText, TEXT_LINES } from '../../../test/support/vision-fixtures.ts';
import { parseTsvPages, recognizeText, shareOut } from './ocr.ts';

/** Tesseract with the Spanish and English data, as .ci/run installs it from Debian. */
async function tesseractWithSpanishAndEnglish(): Promise<void> {
  const { stdout, stderr } = await promisify(execFile)('tesseract', ['--list-langs']);
  const languages = `${stdout}\n${stderr}`.split('\n').map((line) => line.trim());
  for (const language of ['spa', 'eng']) if (!languages.includes(language)) throw new Error(`no "${language}" language data`);
}

const hasTesseract = await requireServer('tesseract (Debian tesseract-ocr, tesseract-ocr-spa, tesseract-ocr-eng)', tesseractWithSpanishAndEnglish);

/** Share of the expected characters read right: 1 − edit distance / expected length. */
function characterAccuracy(expected: string, actual: string): number {
  let previous = Array.from({ length: actual.length + 1 }, (_, j) => j);
  for (let i = 1; i <= expected.length; i++) {
    const current = [i];
    for (let j = 1; j <= actual.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (expected[i - 1] === actual[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return 1 - previous[actual.length]! / expected.length;
}

describe('recognizeText (PaddleOCR detection + Tesseract spa+eng)', { skip: !hasTesseract }, () => {
  const exact = { characters: 0, right: 0 };
  const record = (expected: string, actual: string) => {
    exact.characters += expected.length;
    exact.right += characterAccuracy(expected, actual) * expected.length;
  };

  for (const fontSize of [14, 20, 32, 56]) {
    test(`Spanish and English lines at ${fontSize} px`, async () => {
      const result = await recognizeText(await renderText(TEXT_LINES, fontSize));
      assert.deepEqual(result.languages, ['spa', 'eng']);
      assert.equal(result.lines.length, TEXT_LINES.length, JSON.stringify(result.lines));
      result.lines.forEach((line, i) => {
        record(TEXT_LINES[i]!, line.text);
        assert.equal(foldText(line.text), foldText(TEXT_LINES[i]!), `line ${i}: ${line.text}`);
        assert.ok(line.confidence >= 0.5 && line.confidence <= 1, `confidence ${line.confidence}`);
        // rows of the fixture: text starts at x = fontSize px of a 1000 px wide image, lines go down the page
        assert.ok(Math.abs(line.box.x - fontSize / 1000) < 0.02, `x ${line.box.x}`);
        if (i > 0) assert.ok(line.box.y > result.lines[i - 1]!.box.y + result.lines[i - 1]!.box.height / 2);
      });
      assert.equal(result.text, result.lines.map((line) => line.text).join('\n'));
    });
  }

  test('a title and a news banner on a busy photo-like frame', async () => {
    const result = await recognizeText(await renderScene());
    assert.deepEqual(result.lines.map((line) => foldText(line.text)), ['cancion del arbol', 'breaking news elecciones 2026']);
    result.lines.forEach((line, i) => record(['Canción del árbol', 'Breaking news: Elecciones 2026'][i]!, line.text));
    const [title, banner] = result.lines;
    assert.ok(title!.box.y < 0.2, `title at ${title!.box.y}`);
    // the banner is the red band from 560 to 670 px of 720
    assert.ok(banner!.box.y >= 0.76 && banner!.box.y + banner!.box.height <= 0.95, JSON.stringify(banner!.box));
  });

  test('accents survive: exact character accuracy over all fixtures', () => {
    const accuracy = exact.right / exact.characters;
    console.log(`OCR exact character accuracy (accents and punctuation counted): ${(accuracy * 100).toFixed(1)} % of ${exact.characters} characters`);
    assert.ok(exact.characters > 300, 'the fixture tests above ran');
    // PaddleOCR's own recogniser scored below this on the same fixtures (it drops ó, á, í, ñ, ¿)
    assert.ok(accuracy >= 0.97, `${accuracy}`);
  });

  test('a blank frame has no text', async () => {
    assert.deepEqual(await recognizeText(await renderBlank()), { text: '', lines: [], languages: ['spa', 'eng'] });
  });
});

describe('lines read by several Tesseract runs at once', { skip: !hasTesseract }, () => {
  // every OCR fixture: the rendered lines and scene, and the photos with the most text (screenshots with 11 and 20 lines)
  const fixtures: [string, () => Promise<Buffer | string>][] = [
    ['text at 14 px', () => renderText(TEXT_LINES, 14)],
    ['text at 32 px', () => renderText(TEXT_LINES, 32)],
    ['scene', () => renderScene()],
    ['screenshot-facedetect.jpg', async () => humanSample('screenshot-facedetect.jpg')],
    ['screenshot-faceid.jpg', async () => humanSample('screenshot-faceid.jpg')],
    ['samples.jpg (no text)', async () => humanSample('samples.jpg')],
  ];
  for (const [name, fixture] of fixtures) {
    test(`${name}: the same lines, words and boxes as one run reading them all`, async () => {
      const image = await fixture();
      const one = await recognizeText(image, { processes: 1 });
      const three = await recognizeText(image, { processes: 3 });
      assert.deepEqual(three, one);
    });
  }
});

describe('shareOut', () => {
  test('largest first to the least loaded group; groups keep their items in order and empty only without items', () => {
    assert.deepEqual(shareOut([5, 1, 4, 2, 3], 2), [[0, 1, 3], [2, 4]]);
    assert.deepEqual(shareOut([1, 1], 4), [[0], [1]]);
    assert.deepEqual(shareOut([7], 1), [[0]]);
    assert.deepEqual(shareOut([], 2), [[]]);
  });
});

describe('parseTsvPages', () => {
  test('joins the words of each page and averages their confidence; empty pages stay empty', () => {
    const header = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';
    const rows = [
      '1\t1\t0\t0\t0\t0\t0\t0\t500\t80\t-1\t',
      '5\t1\t1\t1\t1\t1\t10\t10\t100\t40\t96.5\tCanción',
      '5\t1\t1\t1\t1\t2\t120\t10\t60\t40\t90.5\tdel',
      '5\t3\t1\t1\t1\t1\t10\t10\t100\t40\t80\tnews',
      '5\t3\t1\t1\t1\t2\t10\t10\t100\t40\t-1\t ',
    ];
    assert.deepEqual(parseTsvPages([header, ...rows].join('\n'), 3), [
      { text: 'Canción del', confidence: 0.935 },
      { text: '', confidence: 0 },
      { text: 'news', confidence: 0.8 },
    ]);
  });
});
