import * as assert from 'node:assert/strict';
import { CoreError } from '../../../../src/core/errors';
import { parseWavHeader, pcmToWav, tryParseWavHeader, wavDurationSec, wavHeader } from '../../../../src/core/audio/wav';
import { looksLikeHtml, sniffAudio } from '../../../../src/core/audio/sniff';
import { probeSampleBytes } from '../../../../src/core/audio/probe';

function bytes(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

suite('audio: sniffAudio', () => {
  const cases: [string, Buffer, ReturnType<typeof sniffAudio>][] = [
    ['RIFF/WAVE', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), 'wav'],
    ['RF64/WAVE', bytes('RF64', [0xff, 0xff, 0xff, 0xff], 'WAVEds64'), 'wav'],
    ['ID3 tag', bytes('ID3', [4, 0, 0, 0, 0, 0, 0, 0, 0]), 'mp3'],
    ['MPEG-1 layer III frame', bytes([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0]), 'mp3'],
    ['MPEG-2 layer III frame', bytes([0xff, 0xf3, 0x48, 0xc4, 0, 0, 0, 0, 0, 0, 0, 0]), 'mp3'],
    ['OggS', bytes('OggS', [0, 2, 0, 0, 0, 0, 0, 0]), 'ogg'],
    ['fLaC', bytes('fLaC', [0, 0, 0, 0x22, 0, 0, 0, 0]), 'flac'],
    ['ADTS', bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc, 0, 0, 0, 0, 0]), 'aac'],
    ['ftyp M4A', bytes([0, 0, 0, 0x20], 'ftypM4A ', [0, 0, 0, 0]), 'm4a'],
    ['RIFF/AVI is not audio', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), undefined],
    ['HTML', bytes('<!DOCTYPE html><html>'), undefined],
    ['JSON', bytes('{"voice":"x"}'), undefined],
    ['empty', Buffer.alloc(0), undefined],
    ['sync word with reserved layer', bytes([0xff, 0xe0, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0]), undefined],
  ];
  for (const [name, input, expected] of cases) {
    test(`${name} → ${expected ?? 'undefined'}`, () => {
      assert.equal(sniffAudio(input), expected);
    });
  }

  test('looksLikeHtml spots web pages, not audio', () => {
    assert.equal(looksLikeHtml(bytes('  \n<!doctype HTML><title>Login</title>')), true);
    assert.equal(looksLikeHtml(bytes('<html><body>')), true);
    assert.equal(looksLikeHtml(pcmToWav(Buffer.alloc(10))), false);
  });
});

suite('audio: WAV header', () => {
  test('pcmToWav round-trips through parseWavHeader with Novita’s format', () => {
    const pcm = Buffer.alloc(4800);
    for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE((i * 37) % 30000 - 15000, i * 2);
    const wav = pcmToWav(pcm);
    assert.equal(wav.length, 44 + pcm.length);
    const info = parseWavHeader(wav);
    assert.deepEqual(info, { audioFormat: 1, sampleRate: 24000, channels: 1, bitsPerSample: 16, dataOffset: 44, dataBytes: 4800 });
    assert.ok(wav.subarray(info!.dataOffset, info!.dataOffset + info!.dataBytes).equals(pcm));
    assert.equal(wavDurationSec(info!), 0.1);
    assert.equal(wav.readUInt32LE(4), 36 + 4800, 'RIFF size');
    assert.equal(wav.readUInt32LE(28), 48000, 'byte rate');
    assert.equal(wav.readUInt16LE(32), 2, 'block align');
  });

  test('wavHeader honours other rates and channel counts', () => {
    const h = wavHeader(1000, { sampleRate: 48000, channels: 2, bitsPerSample: 16 });
    const info = parseWavHeader(Buffer.concat([h, Buffer.alloc(1000)]));
    assert.equal(info?.sampleRate, 48000);
    assert.equal(info?.channels, 2);
    assert.equal(h.readUInt32LE(28), 48000 * 4);
    assert.equal(h.readUInt16LE(32), 4);
  });

  test('parseWavHeader walks chunks instead of assuming 44 bytes (odd-sized LIST chunk before data)', () => {
    const fmt = wavHeader(0).subarray(12, 36); // "fmt " chunk
    const list = bytes('LIST', [5, 0, 0, 0], 'INFOx', [0]); // 5 bytes + pad byte
    const data = Buffer.concat([bytes('data', [6, 0, 0, 0]), Buffer.from([1, 0, 2, 0, 3, 0])]);
    const body = Buffer.concat([bytes('WAVE'), fmt, list, data]);
    const wav = Buffer.concat([bytes('RIFF'), Buffer.from(Uint32Array.of(body.length).buffer), body]);
    const info = parseWavHeader(wav);
    assert.equal(info?.dataOffset, 12 + 24 + 14 + 8);
    assert.equal(info?.dataBytes, 6);
    assert.equal(wav.readInt16LE(info!.dataOffset + 4), 3);
  });

  test('parseWavHeader caps a streaming placeholder size at the bytes present', () => {
    const wav = pcmToWav(Buffer.alloc(100));
    wav.writeUInt32LE(0x7ffff000, 40);
    assert.equal(parseWavHeader(wav)?.dataBytes, 100);
  });

  test('parseWavHeader throws notAudio for what is not a WAV or lacks fmt/data; tryParseWavHeader answers undefined', () => {
    const bad = [
      bytes('ID3', [4, 0, 0, 0, 0, 0, 0, 0, 0]),
      bytes('RIFF', [4, 0, 0, 0], 'WAVE'),
      Buffer.concat([bytes('RIFF', [12, 0, 0, 0], 'WAVE'), bytes('data', [0, 0, 0, 0])]), // data before fmt
    ];
    for (const b of bad) {
      assert.equal(tryParseWavHeader(b), undefined);
      assert.throws(() => parseWavHeader(b), (e: unknown) => e instanceof CoreError && e.kind === 'notAudio');
    }
  });
});

suite('audioMeta: probeSampleBytes', () => {
  test('reads duration, rate and channels of a WAV', async () => {
    const probe = await probeSampleBytes(pcmToWav(Buffer.alloc(24000 * 2 * 3)), 'audio/wav');
    assert.equal(probe.format, 'wav');
    assert.equal(probe.durationSec, 3);
    assert.equal(probe.sampleRate, 24000);
    assert.equal(probe.channels, 1);
  });

  test('reports no duration for bytes that are not audio, without throwing', async () => {
    const probe = await probeSampleBytes(Buffer.from('<html><body>Not found</body></html>'), 'text/html');
    assert.equal(probe.format, undefined);
    assert.equal(probe.durationSec, undefined);
  });
});
