import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloneForm, FormErrors } from '../../shared/validation';
import { validateCloneForm } from '../../shared/validation';
import type { PlayableFormat } from '../../core/novita/client';
import { NovitaService, UserFacingError } from './novitaService';
import { SampleRefusedError, SampleWarningError, type SampleService } from './sampleService';
import { ExtensionStorage } from '../platform/storage';

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
  /**
   * Called once the preview can be played, before the library is written: with its bytes, as soon as they are all
   * in, when they are at most `previewBytesUpTo` (the file is finished meanwhile; nothing reads it back); otherwise
   * once the file is on disk.
   */
  onPreviewReady?: (outcome: CloneOutcome, bytes?: Buffer) => void;
  previewBytesUpTo?: number;
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

  /** A free name for the next voice; `justCloned`: a name about to be recorded, counted as used already. */
  async proposeName(justCloned?: string): Promise<{ name: string; usedNames: string[] }> {
    const library = await this.storage.library();
    const pending = justCloned && !library.hasName(justCloned) ? [justCloned.trim()] : [];
    return { name: library.proposeName('my-voice', pending), usedNames: [...library.voices().flatMap((v) => [v.name, ...(v.label ? [v.label] : [])]), ...pending] };
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
    const outcomeFor = (voiceId: string, dir: string, fileName: string): CloneOutcome => ({
      voiceId,
      voiceName: request.voiceName,
      filePath: join(dir, fileName),
      fileName,
      elapsedMs: Math.round(performance.now() - started),
      text: form.text,
    });
    let early: CloneOutcome | undefined;
    const { result, downloaded, base, dir } = await this.novita.withRetryNotices(report, async () => {
      const result = await client.cloneVoice(request, { signal: options.signal, onProgress: (status) => report(CLONE_PROGRESS[status] ?? 'Cloning…') });
      const dir = await this.storage.ensureAudioDir();
      const base = `${safeFileName(result.voiceId)}-${Date.now()}`;
      // Downloaded at once: Novita's preview URLs expire. The bytes go to the panel as soon as they are all in.
      const onComplete = options.onPreviewReady
        ? (data: Buffer, format: PlayableFormat) => {
            early = outcomeFor(result.voiceId, dir, `${base}.${format}`);
            options.onPreviewReady!(early, data);
          }
        : undefined;
      let downloaded: Awaited<ReturnType<typeof client.downloadAudio>>;
      // Said only when the download is slow enough to be seen: a message replaced a few milliseconds later would
      // only compete with the preview on its way to the panel.
      const slow = setTimeout(() => report('Downloading the preview…'), DOWNLOAD_NOTICE_AFTER_MS);
      try {
        downloaded = await client.downloadAudio(result.audioUrl, join(dir, `${base}.download`), { signal: options.signal, keepBytesUpTo: options.previewBytesUpTo, onComplete });
      } catch (err) {
        // The voice exists at Novita (paid for), which cannot list it back: keep its id even without a preview.
        const library = await this.storage.library();
        await library.addVoice({ voiceId: result.voiceId, name: request.voiceName, sampleUrl: request.audioUrl, transcript: request.transcript, createdAt: new Date().toISOString() });
        throw new PreviewLostError(request.voiceName, result.voiceId, err);
      } finally {
        clearTimeout(slow);
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
    const outcome = early ?? outcomeFor(result.voiceId, dir, fileName);
    if (!early) options.onPreviewReady?.(outcome, downloaded.data);
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

/** A preview download that has not finished by then gets its own progress message. */
const DOWNLOAD_NOTICE_AFTER_MS = 300;

const CLONE_PROGRESS: Record<string, string> = {
  submitted: 'Novita accepted the task…',
  queued: 'Queued at Novita…',
  processing: 'Novita is cloning the voice…',
  succeeded: 'Cloned; fetching the preview…',
};

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48) || 'voice';
}
