// Zhipu (bigmodel.cn) behind the provider port: a clone is upload → clone by file_id → the preview from the voice
// list's download_url → the uploaded sample deleted (unless kept; also when the clone fails or is cancelled). Speech
// whole or streamed; voices listed and deleted at Zhipu. A URL sample is fetched here (no key sent) and uploaded.
import { writeFile } from 'node:fs/promises';
import { CoreError, problemOf } from '../errors';
import { LIMITS } from '../limits';
import type { ZhipuClient } from '../zhipu/client';
import { CAPABILITIES, type CallOptions, type Provider, type ProviderCapabilities, type ProviderCloneOptions, type ProviderCloneRequest, type ProviderCloneResult, type ProviderVoice, type SpeakRequest } from './port';

export const ZHIPU_CAPABILITIES: ProviderCapabilities = CAPABILITIES.zhipu;

/** How long the sample's deletion may take once the clone ended (cancelled included): it must not hold the caller long. */
const CLEANUP_TIMEOUT_MS = 15_000;

export class ZhipuProvider implements Provider {
  readonly id = 'zhipu' as const;
  readonly capabilities = ZHIPU_CAPABILITIES;

  constructor(
    readonly client: ZhipuClient,
    /** Told when an uploaded sample could not be deleted (it stays at Zhipu); never fails the clone. */
    private readonly onCleanupFailed?: (fileId: string, err: unknown) => void,
  ) {}

  get endpoint(): string {
    return this.client.baseUrl;
  }

  async clone(req: ProviderCloneRequest, options: ProviderCloneOptions): Promise<ProviderCloneResult> {
    const { signal } = options;
    let bytes: Uint8Array;
    let filename: string;
    if (req.source.kind === 'file') {
      ({ bytes, filename } = req.source);
    } else {
      // Zhipu takes no URL: the sample is fetched here (keyless, redirects followed, audio checked) and uploaded.
      const fetched = await this.client.downloadPreview(req.source.url, { signal, maxBytes: LIMITS.sampleBytes });
      bytes = fetched.bytes;
      filename = `sample.${fetched.format}`;
    }
    signal?.throwIfAborted();
    options.onStep?.('uploading');
    // Not under the caller's signal: an upload cut off mid-way may still be stored at Zhipu, with no id to delete it
    // by. A cancel during the upload lets it finish (the client's timeout bounds it), then deletes it below.
    const { id: fileId } = await this.client.upload(bytes, filename);
    let deletion: Promise<void> | undefined;
    // Not under the caller's signal: a cancelled clone must still take its sample away from Zhipu.
    const deleteSample = () =>
      (deletion ??= this.client.deleteFile(fileId, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) }).then(
        () => undefined,
        (err: unknown) => this.onCleanupFailed?.(fileId, err),
      ));
    try {
      if (signal?.aborted) throw new CoreError({ kind: 'cancelled' });
      options.onStep?.('cloning');
      const cloned = await this.client.clone({ fileId, voiceName: req.voiceName, input: req.input, text: req.transcript }, { signal });
      // The voice exists: the sample is needed no more, and goes while the preview is fetched (not after it).
      if (!options.keepUploadedSample) void deleteSample();
      options.onStep?.('preview');
      try {
        const preview = await this.previewOf(cloned.voiceId, signal);
        await writeFile(options.previewPath, preview.bytes);
        const data = preview.bytes.length <= (options.keepBytesUpTo ?? 0) ? { data: preview.bytes } : {};
        return { voiceId: cloned.voiceId, preview: { path: options.previewPath, format: preview.format, ...data }, ...(options.keepUploadedSample ? { keptFileId: fileId } : {}) };
      } catch (err) {
        throw new CoreError({ kind: 'previewLost', voiceName: req.voiceName, voiceId: cloned.voiceId, cause: problemOf(err) }, { cause: err });
      }
    } finally {
      if (!options.keepUploadedSample) await deleteSample();
    }
  }

  /** The new voice's preview: its `download_url` in the voice list, fetched at once. */
  private async previewOf(voiceId: string, signal: AbortSignal | undefined) {
    const voices = await this.client.listVoices({ type: 'PRIVATE' }, { signal });
    const url = voices.find((v) => v.voiceId === voiceId)?.downloadUrl;
    if (!url) throw new CoreError({ kind: 'malformed', what: 'no download_url for the new voice in the voice list', source: 'zhipu' });
    return this.client.downloadPreview(url, { signal });
  }

  speak(req: SpeakRequest, options: CallOptions = {}): Promise<Buffer> {
    return this.client.speech({ ...req, format: 'pcm' }, options);
  }

  speakStreamed(req: SpeakRequest, options: CallOptions = {}): AsyncIterable<Buffer> {
    return this.client.speechStream(req, options);
  }

  async upload(bytes: Uint8Array, filename: string, options: CallOptions = {}): Promise<{ fileId: string }> {
    const f = await this.client.upload(bytes, filename, options);
    return { fileId: f.id };
  }

  async deleteUpload(fileId: string, options: CallOptions = {}): Promise<void> {
    await this.client.deleteFile(fileId, options);
  }

  async listVoices(options: CallOptions = {}): Promise<ProviderVoice[]> {
    const list = await this.client.listVoices({}, options);
    return list.map((v) => ({
      voiceId: v.voiceId,
      name: v.voiceName,
      kind: v.type === 'OFFICIAL' ? 'system' : 'cloned',
      ...(v.createTime ? { createdAt: v.createTime } : {}),
      ...(v.downloadUrl ? { previewUrl: v.downloadUrl } : {}),
    }));
  }

  async deleteVoice(voiceId: string, options: CallOptions = {}): Promise<void> {
    await this.client.deleteVoice(voiceId, options);
  }
}
