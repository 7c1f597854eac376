// Novita behind the provider port: clone from a public URL only (Novita fetches the sample itself), speech whole
// (a "stream" is the whole chunk once), transcription; no uploads, no voice list, no deletion.
import { CoreError, problemOf } from '../errors';
import type { NovitaClient } from '../novita/client';
import { CAPABILITIES, type CallOptions, type Provider, type ProviderCapabilities, type ProviderCloneOptions, type ProviderCloneRequest, type ProviderCloneResult, type ProviderVoice, type SpeakRequest } from './port';

export const NOVITA_CAPABILITIES: ProviderCapabilities = CAPABILITIES.novita;

const unsupported = (what: Extract<CoreError['problem'], { kind: 'notSupported' }>['what']) => new CoreError({ kind: 'notSupported', provider: 'novita', what });

export class NovitaProvider implements Provider {
  readonly id = 'novita' as const;
  readonly capabilities = NOVITA_CAPABILITIES;

  constructor(
    readonly client: NovitaClient,
    readonly endpoint: string,
  ) {}

  async clone(req: ProviderCloneRequest, options: ProviderCloneOptions): Promise<ProviderCloneResult> {
    if (req.source.kind !== 'url') throw unsupported('cloneFromFile');
    options.onStep?.('cloning');
    const result = await this.client.cloneVoice(
      { audioUrl: req.source.url, transcript: req.transcript || undefined, input: req.input, voiceName: req.voiceName },
      { signal: options.signal, onProgress: options.onTask },
    );
    options.onStep?.('preview');
    try {
      const d = await this.client.downloadAudio(result.audioUrl, options.previewPath, { signal: options.signal, keepBytesUpTo: options.keepBytesUpTo });
      return { voiceId: result.voiceId, preview: { path: d.path, format: d.format, ...(d.data ? { data: d.data } : {}) } };
    } catch (err) {
      // The voice exists (paid for): its id must not be lost with the preview.
      throw new CoreError({ kind: 'previewLost', voiceName: req.voiceName, voiceId: result.voiceId, cause: problemOf(err) }, { cause: err });
    }
  }

  speak(req: SpeakRequest, options: CallOptions = {}): Promise<Buffer> {
    return this.client.synthesize(
      { input: req.input, voice: req.voice, speed: req.speed, volume: req.volume, format: 'pcm', ...(req.watermark !== undefined ? { watermark: req.watermark } : {}) },
      { signal: options.signal },
    );
  }

  async *speakStreamed(req: SpeakRequest, options: CallOptions = {}): AsyncIterable<Buffer> {
    yield await this.speak(req, options);
  }

  async upload(): Promise<{ fileId: string }> {
    throw unsupported('upload');
  }

  async deleteUpload(): Promise<void> {
    throw unsupported('upload');
  }

  async listVoices(): Promise<ProviderVoice[]> {
    throw unsupported('listVoices');
  }

  async deleteVoice(): Promise<void> {
    throw unsupported('deleteVoice');
  }
}
