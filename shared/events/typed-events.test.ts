// newEvent is typed by the catalog: a producer whose data does not match its type's schema does not compile
// (test/fixtures/typed-events/producers.ts, compiled here with the project's compiler options), and data built at
// run time that slips past the compiler is refused before anything is written.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { EVENT_SOURCE } from './catalog.ts';
import { InvalidEventData, newEvent } from './envelope.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/typed-events/producers.ts');

test('a producer whose data does not match the catalog fails to compile, line by line', () => {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram([fixture], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === fixture);
  const erroneousLines = [...new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1))].sort((a, b) => a - b);
  const expectedLines = readFileSync(fixture, 'utf8').split('\n').flatMap((line, i) => (line.includes('// expect-error') ? [i + 1] : []));
  assert.equal(expectedLines.length, 4);
  assert.deepEqual(erroneousLines, expectedLines, diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
});

test('data that does not match its schema at run time is refused, naming the field', () => {
  const untyped = JSON.parse('{"assetId": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "projectId": "news", "version": "2"}');
  assert.throws(() => newEvent('io.mediateca.asset.failed', EVENT_SOURCE, untyped), (error: unknown) => {
    assert.ok(error instanceof InvalidEventData);
    assert.match(error.message, /io\.mediateca\.asset\.failed.*version: .*reason: /);
    return true;
  });
  const event = newEvent('io.mediateca.asset.failed', EVENT_SOURCE, { ...untyped, version: 2, reason: 'corrupt' });
  assert.equal(event.data.reason, 'corrupt');
});
