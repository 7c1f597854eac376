// Validate → check the sample → clone at Novita → download the preview at once (its URL expires) → record the voice.
// No vscode and no sentences: progress is reported as events, failures as CoreError kinds (src/messages words them).
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError, problemOf } from '../errors';
import type { VoiceRegistry } from '../library/voiceRegistry';
import type { NovitaConnections } from '../novita/connections';
import type { PlayableFormat } from '../novita/client';
import { checkCloneForm, type CloneForm, type FieldProblems } from '../validation';
import type { FoldersPort, ProgressPort } from './ports';
import type { SampleFlow } from './sample';

export interface CloneOutcome {
  voiceId: string;
  voiceName: string;
  /** Absolute path of the downloaded preview in the audio folder. */
  filePath: string;
  fileName: string;
  elapsedMs: number;
  text: string;
}

export interface CloneRunOptions {
  signal?: AbortSignal;
  /** Clone even when the sample check warned (too short or long, not playable here). */
  acceptWarnings?: boolean;
  /**
   * The user confirmed they have the right to clone the voice in this sample. Required unless a voice was cloned from
   * the same sample URL with consent before; recorded with the voice.
   */
  consent?: boolean;
  /**
   * Called once the preview can be played, before the library is written: with its bytes, as soon as they are all
   * in, when they are at most `previewBytesUpTo` (the file is finished meanwhile; nothing reads it back); otherwise
   * once the file is on disk.
   */
  onPreviewReady?: (outcome: CloneOutcome, bytes?: Buffer) => void;
  previewBytesUpTo?: number;
  progress?: ProgressPort;
}

export interface CloneFlowDeps {
  connections: NovitaConnections;
  folders: FoldersPort;
  /** The voice registry (opened on first use by whoever owns it). */
  library: () => Promise<VoiceRegistry>;
  samples: SampleFlow;
  historyMaxItems: () => number;
}

/** A preview download that has not finished by then gets its own progress event. */
const DOWNLOAD_NOTICE_AFTER_MS = 300;

export class CloneFlow {
  constructor(private readonly deps: CloneFlowDeps) {}

  /** What is wrong with the form, by field (empty: nothing); the name must be free in the library. */
  async validate(form: CloneForm): Promise<FieldProblems> {
    const library = await this.deps.library();
    return checkCloneForm(form, (name) => library.hasName(name));
  }

  /** A free name for the next voice; `justCloned`: a name about to be recorded, counted as used already. */
  async proposeName(justCloned?: string): Promise<{ name: string; usedNames: string[] }> {
    const library = await this.deps.library();
    const pending = justCloned && !library.hasName(justCloned) ? [justCloned.trim()] : [];
    return { name: library.proposeName('my-voice', pending), usedNames: [...library.voices().flatMap((v) => [v.name, ...(v.label ? [v.label] : [])]), ...pending] };
  }

  /**
   * Throws CoreError: 'formInvalid', 'sampleRefused', 'sampleWarnings' (unless `acceptWarnings`), 'previewLost'
   * (the voice exists and is recorded), 'localFile', or whatever the Novita call reported.
   */
  async clone(form: CloneForm, options: CloneRunOptions = {}): Promise<CloneOutcome> {
    const problems = await this.validate(form);
    if (Object.keys(problems).length) throw new CoreError({ kind: 'formInvalid', problems });
    // Refused here, before the key is read or anything is sent: cloning someone's voice needs their permission.
    const consent = options.consent ? { at: new Date().toISOString() } : (await this.deps.library()).consentFor(form.sampleUrl);
    if (!consent) throw new CoreError({ kind: 'consentRequired', sampleUrl: form.sampleUrl.trim() });
    const started = performance.now();
    const client = await this.deps.connections.api();
    const progress = options.progress ?? (() => undefined);
    // Checked again right before paying for the clone: the URL may have changed since the panel's check.
    progress({ step: 'checkingSample' });
    await this.deps.samples.assertCloneable(form.sampleUrl.trim(), options.acceptWarnings ?? false, options.signal);
    const request = {
      audioUrl: form.sampleUrl.trim(),
      transcript: form.transcript.trim() || undefined,
      input: form.text,
      voiceName: form.voiceName.trim(),
    };
    progress({ step: 'cloning' });
    const outcomeFor = (voiceId: string, dir: string, fileName: string): CloneOutcome => ({
      voiceId,
      voiceName: request.voiceName,
      filePath: join(dir, fileName),
      fileName,
      elapsedMs: Math.round(performance.now() - started),
      text: form.text,
    });
    let early: CloneOutcome | undefined;
    const { result, downloaded, base, dir } = await this.deps.connections.withRetryNotices(progress, async () => {
      const result = await client.cloneVoice(request, { signal: options.signal, onProgress: (status) => progress({ step: 'task', status }) });
      const dir = await this.deps.folders.audioDir();
      const base = `${safeFileName(result.voiceId)}-${Date.now()}`;
      // Downloaded at once: Novita's preview URLs expire. The bytes go to the caller as soon as they are all in.
      const onComplete = options.onPreviewReady
        ? (data: Buffer, format: PlayableFormat) => {
            early = outcomeFor(result.voiceId, dir, `${base}.${format}`);
            options.onPreviewReady!(early, data);
          }
        : undefined;
      let downloaded: Awaited<ReturnType<typeof client.downloadAudio>>;
      // Said only when the download is slow enough to be seen: a message replaced a few milliseconds later would
      // only compete with the preview on its way to the panel.
      const slow = setTimeout(() => progress({ step: 'downloadingPreview' }), DOWNLOAD_NOTICE_AFTER_MS);
      try {
        downloaded = await client.downloadAudio(result.audioUrl, join(dir, `${base}.download`), { signal: options.signal, keepBytesUpTo: options.previewBytesUpTo, onComplete });
      } catch (err) {
        // The voice exists at Novita (paid for), which cannot list it back: keep its id even without a preview.
        const library = await this.deps.library();
        await library.addVoice({ voiceId: result.voiceId, name: request.voiceName, sampleUrl: request.audioUrl, transcript: request.transcript, createdAt: new Date().toISOString(), consent });
        throw new CoreError({ kind: 'previewLost', voiceName: request.voiceName, voiceId: result.voiceId, cause: problemOf(err) }, { cause: err });
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
      throw new CoreError({ kind: 'localFile', path: finalPath, ...codeOf(err) }, { cause: err });
    }
    const outcome = early ?? outcomeFor(result.voiceId, dir, fileName);
    if (!early) options.onPreviewReady?.(outcome, downloaded.data);
    const library = await this.deps.library();
    const createdAt = new Date().toISOString();
    await library.addVoice({
      voiceId: result.voiceId,
      name: request.voiceName,
      sampleUrl: request.audioUrl,
      transcript: request.transcript,
      createdAt,
      previewFile: fileName,
      consent,
    });
    await library.addPreview(
      { id: base, file: fileName, text: form.text.slice(0, 500), voice: result.voiceId, voiceName: request.voiceName, createdAt, kind: 'clone' },
      this.deps.historyMaxItems(),
    );
    return outcome;
  }
}

function codeOf(err: unknown): { code?: string } {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? { code } : {};
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48) || 'voice';
}
