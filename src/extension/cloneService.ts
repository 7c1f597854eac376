import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloneForm, FormErrors } from '../shared/validation';
import { validateCloneForm } from '../shared/validation';
import { NovitaService, UserFacingError } from './novitaService';
import { SampleRefusedError, SampleWarningError, type SampleService } from './sampleService';
import { ExtensionStorage } from './storage';

export interface CloneOutcome {
  voiceId: string;
  voiceName: string;
  /** Absolute path of the downloaded preview in the extension's audio folder. */
  filePath: string;
  fileName: string;
  elapsedMs: number;
  text: string;
}

export class FormInvalidError extends Error {
  constructor(readonly errors: FormErrors) {
    super(Object.values(errors)[0] ?? 'The form has a problem.');
  }
}

/** The clone succeeded and the voice was recorded, but its preview could not be fetched. */
export class PreviewLostError extends Error {
  constructor(
    readonly voiceName: string,
    readonly voiceId: string,
    readonly cause: unknown,
  ) {
    super(`The preview of “${voiceName}” could not be downloaded.`);
  }
}

export interface CloneRunOptions {
  signal?: AbortSignal;
  /** Clone even when the sample check warned (too short or long, not playable here). */
  acceptWarnings?: boolean;
  /** Called as soon as the preview is on disk, before the library is written, so it can start playing. */
  onPreviewReady?: (outcome: CloneOutcome) => void;
  onProgress?: (message: string) => void;
}

/** Validate → clone at Novita → download the preview at once (its URL expires) → record the voice. */
export class CloneService {
  constructor(
    private readonly novita: NovitaService,
    private readonly storage: ExtensionStorage,
    private readonly historyMaxItems: () => number,
    private readonly samples: SampleService,
  ) {}

  async validate(form: CloneForm): Promise<FormErrors> {
    const library = await this.storage.library();
    return validateCloneForm(form, (name) => library.hasName(name));
  }

  async proposeName(): Promise<{ name: string; usedNames: string[] }> {
    const library = await this.storage.library();
    return { name: library.proposeName('my-voice'), usedNames: library.voices().flatMap((v) => [v.name, ...(v.label ? [v.label] : [])]) };
  }

  async clone(form: CloneForm, options: CloneRunOptions = {}): Promise<CloneOutcome> {
    const errors = await this.validate(form);
    if (Object.keys(errors).length) throw new FormInvalidError(errors);
    const started = performance.now();
    const client = await this.novita.getClient();
    // Checked again right before paying for the clone: the URL may have changed since the panel's check.
    options.onProgress?.('Checking the sample…');
    await this.samples.assertCloneable(form.sampleUrl.trim(), options.acceptWarnings ?? false, options.signal);
    const request = {
      audioUrl: form.sampleUrl.trim(),
      transcript: form.transcript.trim() || undefined,
      input: form.text,
      voiceName: form.voiceName.trim(),
    };
    const report = (message: string) => options.onProgress?.(message);
    report('Cloning the voice at Novita…');
    const { result, downloaded, base, dir } = await this.novita.withRetryNotices(report, async () => {
      const result = await client.cloneVoice(request, { signal: options.signal, onProgress: (status) => report(CLONE_PROGRESS[status] ?? 'Cloning…') });
      report('Downloading the preview…');
      const dir = await this.storage.ensureAudioDir();
      const base = `${safeFileName(result.voiceId)}-${Date.now()}`;
      // Downloaded at once: Novita's preview URLs expire.
      let downloaded: Awaited<ReturnType<typeof client.downloadAudio>>;
      try {
        downloaded = await client.downloadAudio(result.audioUrl, join(dir, `${base}.download`), { signal: options.signal });
      } catch (err) {
        // The voice exists at Novita (paid for), which cannot list it back: keep its id even without a preview.
        const library = await this.storage.library();
        await library.addVoice({ voiceId: result.voiceId, name: request.voiceName, sampleUrl: request.audioUrl, transcript: request.transcript, createdAt: new Date().toISOString() });
        throw new PreviewLostError(request.voiceName, result.voiceId, err);
      }
      return { result, downloaded, base, dir };
    });
    const fileName = `${base}.${downloaded.format}`;
    const finalPath = join(dir, fileName);
    try {
      await rename(downloaded.path, finalPath);
    } catch (err) {
      await rm(downloaded.path, { force: true });
      throw err;
    }
    const elapsedMs = Math.round(performance.now() - started);
    const outcome: CloneOutcome = { voiceId: result.voiceId, voiceName: request.voiceName, filePath: finalPath, fileName, elapsedMs, text: form.text };
    options.onPreviewReady?.(outcome);
    const library = await this.storage.library();
    const createdAt = new Date().toISOString();
    await library.addVoice({
      voiceId: result.voiceId,
      name: request.voiceName,
      sampleUrl: request.audioUrl,
      transcript: request.transcript,
      createdAt,
      previewFile: fileName,
    });
    await library.addPreview(
      { id: base, file: fileName, text: form.text.slice(0, 500), voice: result.voiceId, voiceName: request.voiceName, createdAt, kind: 'clone' },
      this.historyMaxItems(),
    );
    return outcome;
  }

  describe(err: unknown): UserFacingError {
    if (err instanceof PreviewLostError) {
      const cause = this.novita.describe(err.cause);
      if (cause.cancelled) return cause;
      // No "Retry": that would clone the voice a second time.
      return { message: `The voice “${err.voiceName}” was cloned and saved to your voices (id ${err.voiceId}), but its preview could not be downloaded: ${cause.message}` };
    }
    if (err instanceof SampleRefusedError) return { message: err.message, field: 'sampleUrl' };
    if (err instanceof SampleWarningError) return { message: err.message, action: 'cloneAnyway' };
    if (err instanceof FormInvalidError) {
      const [field, message] = Object.entries(err.errors)[0] as [UserFacingError['field'], string];
      return { message, field };
    }
    return this.novita.describe(err);
  }
}

const CLONE_PROGRESS: Record<string, string> = {
  submitted: 'Novita accepted the task…',
  queued: 'Queued at Novita…',
  processing: 'Novita is cloning the voice…',
  succeeded: 'Cloned; fetching the preview…',
};

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48) || 'voice';
}
