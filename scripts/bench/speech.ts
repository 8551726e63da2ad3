// Speech-to-text benchmark: `npm run bench:speech`. Prints numbers, never fails on them.
// pocketsphinx on a ~60 s English narration spoken by espeak-ng (Klatt voice) and stored as MP3:
// (a) realtime factor (media seconds per wall second) of the whole transcribe call against its baseline,
//     the ffmpeg decode of the same MP3 to the 16 kHz mono WAV the recognizer reads, interleaved;
// (b) word error rate of the transcript against the text spoken. espeak-ng is robotic: the WER says how
//     pocketsphinx 0.8 copes with clean synthetic speech, not with a newsroom's recordings.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../shared/config.ts';
import { runFfmpeg } from '../../shared/media/ffmpeg.ts';
import { probeMedia } from '../../shared/media/probe.ts';
import { createPocketsphinx, pocketsphinxInstalled } from '../../shared/ai/speech/pocketsphinx.ts';
import { type Transcript, wordErrorRate, words } from '../../shared/ai/speech/speech.ts';
import { envNumber, interleave, machineLine, median, table } from './lib.ts';

const NARRATION = `The lighthouse keeper saw a red boat near the harbor. The children played football in the park after school.
Heavy rain fell on the city all night, and the river rose above the old stone bridge.
In the morning the mayor spoke to the press about the flood. She said that the water had reached the market square and that many shops were closed.
A team of engineers is checking the bridge today. The train to the capital will leave one hour late, and the airport is open as usual.
Farmers in the north say the summer was too dry for the wheat harvest. Prices of bread and milk went up again this month.
The museum will open a new exhibition of photographs next week. It shows the history of the town from the first factory to the modern port.
In sport, the local team won the final by two goals to one. The coach thanked the fans who travelled to the match by bus, and the players went home by train late at night.
Tomorrow will be sunny in the south with a light wind from the west. Schools will stay closed on Monday while the roads are repaired.`;

async function main(): Promise<void> {
  const { searchPath } = loadConfig().speech;
  if (!(await pocketsphinxInstalled(searchPath))) {
    console.log('pocketsphinx is not installed (Debian: apt-get install pocketsphinx pocketsphinx-en-us espeak-ng); nothing to measure');
    return;
  }
  const rounds = envNumber('BENCH_ROUNDS', 3);
  const work = await mkdtemp(join(tmpdir(), 'mediateca-bench-speech-'));
  try {
    const spoken = join(work, 'narration.wav');
    const mp3 = join(work, 'narration.mp3');
    await promisify(execFile)('espeak-ng', ['-v', 'en-us+klatt', '-w', spoken, NARRATION]);
    await runFfmpeg(['-i', spoken, '-c:a', 'libmp3lame', '-b:a', '128k', mp3]);
    const seconds = (await probeMedia(mp3)).durationSeconds!;
    const recognizer = await createPocketsphinx(searchPath);

    console.log(machineLine());
    console.log(`narration: ${seconds.toFixed(1)} s of espeak-ng en-us+klatt speech, MP3 128 kbps · ${rounds} rounds after 1 warm-up\n`);
    let transcript: Transcript | undefined;
    const samples = await interleave(
      {
        'ffmpeg decode to 16 kHz WAV (baseline)': () => runFfmpeg(['-i', mp3, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', join(work, 'decoded.wav')]),
        'pocketsphinx transcribe (decode included)': async () => (transcript = await recognizer.transcribe(mp3)),
      },
      { rounds },
    );
    const baseline = median(samples['ffmpeg decode to 16 kHz WAV (baseline)']);
    table([
      ['step', 'median wall s', 'realtime factor ×', 'time vs baseline ×'],
      ...Object.entries(samples).map(([name, ms]) => [name, median(ms) / 1000, seconds / (median(ms) / 1000), median(ms) / baseline]),
    ]);

    const wer = wordErrorRate(NARRATION, transcript!.text);
    table([
      ['quality', 'value'],
      ['word error rate (word-level edit distance / words spoken)', wer],
      ['words spoken', words(NARRATION).length],
      ['segments', transcript!.segments.length],
    ]);
    console.log(`heard: ${transcript!.text}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
