// Validate → check the sample → clone at Novita → download the preview at once (its URL expires) → record the voice.
// No vscode and no sentences: progress is reported as events, failures as CoreError kinds (src/messages words them).
import { rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assessSampleFile } from '../audio/preflight';
import { probeSampleBytes } from '../audio/probe';
import { CoreError, InternalError, problemOf } from '../errors';
import type { ProviderConnections } from '../providers/connections';
import { CAPABILITIES, FILE_SAMPLE_FORMATS, type CloneSource, type CloneStep, type ProviderId } from '../providers/port';
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
  /** Where to clone (default Novita, by the path it always took). */
  provider?: ProviderId;
  /** Clone from this local file instead of the form's sample URL (which is then not used). */
  sampleFile?: { path: string; bytes: Uint8Array };
}

export interface CloneFlowDeps {
  connections: NovitaConnections;
  folders: FoldersPort;
  /** The voice registry (opened on first use by whoever owns it). */
  library: () => Promise<VoiceRegistry>;
  samples: SampleFlow;
  historyMaxItems: () => number;
  /** The providers other than Novita's path above (Zhipu, a clone from a file): needed only for those. */
  providers?: ProviderConnections;
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
    if (options.sampleFile || (options.provider ?? 'novita') !== 'novita') return this.cloneAtProvider(form, options);
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

  /**
   * The clone through a provider's port: a local file (checked here first: format, duration, size; then uploaded), or
   * a URL with Zhipu. Progress names each step; the provider deletes an uploaded sample, cancelled or not.
   */
  private async cloneAtProvider(form: CloneForm, options: CloneRunOptions): Promise<CloneOutcome> {
    const providerId = options.provider ?? 'novita';
    const file = options.sampleFile;
    const problems = await this.validate(form);
    // A file stands in for the sample URL: the URL field's rule does not apply.
    if (file) delete problems.sampleUrl;
    if (Object.keys(problems).length) throw new CoreError({ kind: 'formInvalid', problems });
    // A file is recorded (and its consent found again) by its file: URL.
    const sampleId = file ? pathToFileURL(file.path).href : form.sampleUrl.trim();
    const consent = options.consent ? { at: new Date().toISOString() } : (await this.deps.library()).consentFor(sampleId);
    if (!consent) throw new CoreError({ kind: 'consentRequired', sampleUrl: sampleId });
    // Before the key is read: Novita cannot take a file at all.
    if (file && !CAPABILITIES[providerId].cloneFrom.includes('upload')) throw new CoreError({ kind: 'notSupported', provider: providerId, what: 'cloneFromFile' });
    const providers = this.deps.providers;
    if (!providers) throw new InternalError('CloneFlow needs its providers for a clone at Zhipu or from a file');
    const started = performance.now();
    const progress = options.progress ?? (() => undefined);
    progress({ step: 'checkingSample' });
    let source: CloneSource;
    if (file) {
      const name = basename(file.path);
      const check = await assessSampleFile(file.bytes, name, probeSampleBytes, FILE_SAMPLE_FORMATS[providerId]);
      if (!check.ok) throw new CoreError({ kind: 'sampleRefused', refusal: check.refusal ?? { code: 'fileFormat', file: name, allowed: [...FILE_SAMPLE_FORMATS[providerId]] } });
      if (check.warnings.length && !options.acceptWarnings) throw new CoreError({ kind: 'sampleWarnings', warnings: check.warnings });
      source = { kind: 'file', bytes: file.bytes, filename: name };
    } else {
      await this.deps.samples.assertCloneable(sampleId, options.acceptWarnings ?? false, options.signal);
      source = { kind: 'url', url: sampleId };
    }
    const provider = await providers.provider(providerId);
    const voiceName = form.voiceName.trim();
    const transcript = form.transcript.trim() || undefined;
    const dir = await this.deps.folders.audioDir();
    const base = `${safeFileName(voiceName)}-${Date.now()}`;
    const steps: Record<CloneStep, () => void> = {
      uploading: () => progress({ step: 'uploading', provider: providerId }),
      cloning: () => progress({ step: 'cloning', provider: providerId }),
      preview: () => progress({ step: 'downloadingPreview' }),
    };
    const record = (voiceId: string, previewFile?: string) =>
      this.deps.library().then((library) => library.addVoice({ voiceId, name: voiceName, sampleUrl: sampleId, transcript, createdAt: new Date().toISOString(), ...(previewFile ? { previewFile } : {}), consent, provider: providerId }));
    let result;
    try {
      result = await providers.withRetryNotices(progress, () =>
        provider.clone(
          { source, voiceName, input: form.text, transcript },
          {
            signal: options.signal,
            onStep: (step) => steps[step](),
            onTask: (status) => progress({ step: 'task', status }),
            previewPath: join(dir, `${base}.download`),
            keepBytesUpTo: options.previewBytesUpTo,
            keepUploadedSample: providers.zhipuSettings().keepUploadedSample,
          },
        ),
      );
    } catch (err) {
      // The voice exists at the provider: keep its id even without a preview.
      if (err instanceof CoreError && err.problem.kind === 'previewLost') await record(err.problem.voiceId);
      await rm(join(dir, `${base}.download`), { force: true });
      throw err;
    }
    const fileName = `${base}.${result.preview.format}`;
    const finalPath = join(dir, fileName);
    try {
      await rename(result.preview.path, finalPath);
    } catch (err) {
      await rm(result.preview.path, { force: true });
      throw new CoreError({ kind: 'localFile', path: finalPath, ...codeOf(err) }, { cause: err });
    }
    const outcome: CloneOutcome = { voiceId: result.voiceId, voiceName, filePath: finalPath, fileName, elapsedMs: Math.round(performance.now() - started), text: form.text };
    options.onPreviewReady?.(outcome, result.preview.data);
    await record(result.voiceId, fileName);
    const library = await this.deps.library();
    await library.addPreview(
      { id: base, file: fileName, text: form.text.slice(0, 500), voice: result.voiceId, voiceName, createdAt: new Date().toISOString(), kind: 'clone' },
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
