// The export formats' table (src/core/export/formats.ts) is the one owner of "format": the editor's settings in
// package.json, the CLI's accepted values and the packaged worker bundles must say what it says, and the output-path
// rule is the same for the editor (name.voice.wav beside the file) and the CLI (name.wav, beside or under --out).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_FORMAT,
  DEFAULT_MP3_KBPS,
  DEFAULT_SUBTITLES,
  FORMAT_IDS,
  FORMATS,
  MP3_BITRATES,
  SUBTITLE_CHOICES,
  exportExtensions,
  formatOf,
  formatOfPath,
} from '../../../../src/core/export/formats';
import { PRESET_IDS } from '../../../../src/core/master/presets';
import { exportPaths, subtitlePaths } from '../../../../src/core/export/outputPath';
import { COMMANDS } from '../../../../src/cli/commands/index';
import { commandHelp, formatOption, parseCommand, voiceOptions } from '../../../../src/cli/options';
import { UsageError } from '../../../../src/cli/problems';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { enum?: unknown[]; enumDescriptions?: string[]; default?: unknown }> } | Array<{ properties: Record<string, { enum?: unknown[]; enumDescriptions?: string[]; default?: unknown }> }> };
};
const configs = manifest.contributes.configuration;
const properties = Object.assign({}, ...(Array.isArray(configs) ? configs.map((c) => c.properties) : [configs.properties])) as Record<string, { enum?: unknown[]; enumDescriptions?: string[]; default?: unknown }>;
const english = { t: (text: string, ...args: unknown[]) => text.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)])) };

suite('export formats: one table', () => {
  test('package.json: the format, bitrate and subtitle settings offer exactly the table’s values and defaults', () => {
    const format = properties['glmVoiceClone.export.format'];
    assert.deepEqual(format.enum, FORMAT_IDS);
    assert.equal(format.default, DEFAULT_FORMAT);
    assert.deepEqual(format.enumDescriptions, FORMAT_IDS.map((id) => `%config.export.format.${id}%`));
    const bitrate = properties['glmVoiceClone.export.mp3Bitrate'];
    assert.deepEqual(bitrate.enum, MP3_BITRATES);
    assert.equal(bitrate.default, DEFAULT_MP3_KBPS);
    const subtitles = properties['glmVoiceClone.export.subtitles'];
    assert.deepEqual(subtitles.enum, SUBTITLE_CHOICES);
    assert.equal(subtitles.default, DEFAULT_SUBTITLES);
    assert.deepEqual(subtitles.enumDescriptions, SUBTITLE_CHOICES.map((id) => `%config.export.subtitles.${id}%`));
  });

  test('package.json: the preset setting offers exactly the preset table’s ids (default none), each with its description; the CLI’s --master the same', () => {
    const preset = properties['glmVoiceClone.export.preset'];
    assert.deepEqual(preset.enum, PRESET_IDS);
    assert.equal(preset.default, 'none');
    assert.deepEqual(preset.enumDescriptions, PRESET_IDS.map((id) => `%config.export.preset.${id}%`));
    for (const nls of ['package.nls.json', 'package.nls.zh-cn.json']) {
      const strings = JSON.parse(readFileSync(join(REPO_ROOT, nls), 'utf8')) as Record<string, string>;
      for (const id of PRESET_IDS) assert.ok(strings[`config.export.preset.${id}`], `${nls}: config.export.preset.${id}`);
    }
    const help = commandHelp(COMMANDS.narrate, '', english);
    assert.ok(help.includes(`--master ${PRESET_IDS.join('|')} `), help);
  });

  test('the CLI accepts exactly the table’s formats, bitrates and subtitle kinds, and its --help lists them', () => {
    const parse = (...argv: string[]) => parseCommand('narrate', COMMANDS.narrate, ['a.md', ...argv]);
    const options = (...argv: string[]) => voiceOptions('narrate', parse(...argv));
    for (const id of FORMAT_IDS) assert.equal(formatOption('narrate', parse('--format', id)), id);
    assert.equal(formatOption('narrate', parse()), DEFAULT_FORMAT);
    assert.throws(() => formatOption('narrate', parse('--format', 'ogg')), (err: unknown) => err instanceof UsageError && err.problem.kind === 'badValue' && err.problem.expected === FORMAT_IDS.join('|'));
    for (const kbps of MP3_BITRATES) assert.equal(options('--mp3-kbps', String(kbps)).mp3Kbps, kbps);
    for (const kind of SUBTITLE_CHOICES) assert.equal(options('--subtitles', kind).subtitles, kind);
    assert.equal(options().mp3Kbps, DEFAULT_MP3_KBPS);
    assert.equal(options().subtitles, DEFAULT_SUBTITLES);
    assert.throws(() => options('--mp3-kbps', '100'), (err: unknown) => err instanceof UsageError && err.problem.kind === 'badValue' && err.problem.expected === MP3_BITRATES.join('|'));
    assert.throws(() => options('--subtitles', 'ass'), (err: unknown) => err instanceof UsageError && err.problem.kind === 'badValue' && err.problem.expected === SUBTITLE_CHOICES.join('|'));
    const help = commandHelp(COMMANDS.narrate, '', english);
    assert.ok(help.includes(`--format ${FORMAT_IDS.join('|')} `), help);
    assert.ok(help.includes(`--subtitles ${SUBTITLE_CHOICES.join('|')} `), help);
  });

  test('every encoder worker is built and packaged: its entry exists and .vscodeignore ships its bundle', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.vscodeignore'), 'utf8').split('\n');
    for (const id of FORMAT_IDS) {
      const worker = formatOf(id).worker;
      if (!worker) continue;
      assert.ok(existsSync(join(REPO_ROOT, worker.entry)), worker.entry);
      assert.ok(ignore.includes(`!dist/${worker.bundle}.js`), `.vscodeignore ships dist/${worker.bundle}.js`);
    }
    for (const id of FORMAT_IDS) assert.equal(formatOfPath(`x/Talk${formatOf(id).extension.toUpperCase()}`), id);
    assert.equal(formatOfPath('talk.ogg'), undefined);
    assert.deepEqual(exportExtensions(), ['.wav', '.mp3', '.srt', '.vtt']);
    assert.equal(FORMATS.wav.mime, 'audio/wav');
  });

  test('output paths: the editor’s name.voice.ext beside the file, the CLI’s name.ext beside it or mirrored under --out', () => {
    const cwd = resolve('/work/project');
    const doc = join(cwd, 'docs', 'intro.md');
    assert.deepEqual(exportPaths(doc, { format: 'mp3', subtitles: 'both', voice: 'Ms. Ada (v2)' }), {
      audio: join(cwd, 'docs', 'intro.Ms_Ada_v2_.mp3'),
      chapters: join(cwd, 'docs', 'intro.Ms_Ada_v2_.chapters.vtt'),
      srt: join(cwd, 'docs', 'intro.Ms_Ada_v2_.srt'),
      vtt: join(cwd, 'docs', 'intro.Ms_Ada_v2_.vtt'),
    });
    assert.deepEqual(exportPaths(doc, { format: 'wav', subtitles: 'none', cwd }), { audio: join(cwd, 'docs', 'intro.wav'), chapters: join(cwd, 'docs', 'intro.chapters.vtt') });
    assert.deepEqual(exportPaths(doc, { format: 'wav', subtitles: 'vtt', cwd, out: 'audio' }), {
      audio: join(cwd, 'audio', 'docs', 'intro.wav'),
      chapters: join(cwd, 'audio', 'docs', 'intro.chapters.vtt'),
      vtt: join(cwd, 'audio', 'docs', 'intro.vtt'),
    });
    const outside = resolve('/elsewhere/notes/a.txt');
    assert.equal(exportPaths(outside, { format: 'wav', subtitles: 'none', cwd, out: 'audio' }).audio, join(cwd, 'audio', 'elsewhere', 'notes', 'a.wav'));
    assert.deepEqual(subtitlePaths(join(cwd, 'out'), 'srt'), { srt: join(cwd, 'out.srt') });
  });
});
