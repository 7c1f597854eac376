import vscode = require('vscode');
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { SamplePreflight } from '../../core/audio/preflight';
import type { CloneOutcome } from '../../core/flows/clone';
import type { ProviderId } from '../../core/providers/port';
import type { SampleFileInfo } from '../../shared/protocol';
import { checkSampleUrl, checkText, checkTranscript, checkVoiceName, type CloneForm } from '../../core/validation';
import { describe, describeProgress, describeSampleCheck, fieldMessage, l10n } from '../platform/describe';
import { readProviderSettings, readSuggestedSampleUrl } from '../platform/config';
import { browseForSample, pickWorkspaceSample, readSampleFile, sampleFileInfo } from '../platform/sampleFiles';
import { offerZhipu, VoiceClonePanel } from '../panel/panel';
import type { Services } from '../services/services';
import type { CommandHandlers } from './ids';

type CloneCommandId = 'glmVoiceClone.openPanel' | 'glmVoiceClone.setApiKey' | 'glmVoiceClone.clearApiKey' | 'glmVoiceClone.cloneVoice' | 'glmVoiceClone.transcribeSample' | 'glmVoiceClone.showLog';

/** The handlers of the panel, clone and key commands, by command id (registered by the activation shell). */
export function commandHandlers(services: Services): Pick<CommandHandlers, CloneCommandId> {
  const { keys } = services;
  return {
    // Resolves once the panel's script has loaded and been answered, so callers can rely on it being interactive.
    'glmVoiceClone.openPanel': () => VoiceClonePanel.createOrShow(services).whenReady(),
    // A string argument stores that key without a prompt (scripts, tests); the palette always prompts.
    'glmVoiceClone.setApiKey': async (given?: unknown) => {
      const key = typeof given === 'string' && given.trim() ? (await keys.store(given), given) : await keys.prompt();
      if (key) void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: API key saved in VS Code’s secret storage.'));
      return Boolean(key);
    },
    'glmVoiceClone.clearApiKey': async () => {
      await keys.clear();
      void vscode.window.showInformationMessage(
        process.env.NOVITA_API_KEY ? l10n.t('GLM Voice Clone: stored API key removed (NOVITA_API_KEY from the environment is still used).') : l10n.t('GLM Voice Clone: API key removed.'),
      );
    },
    'glmVoiceClone.cloneVoice': (initial?: PaletteOptions) => cloneFromPalette(services, initial),
    'glmVoiceClone.transcribeSample': (url?: unknown) => transcribeFromPalette(services, typeof url === 'string' ? url : undefined),
    'glmVoiceClone.showLog': () => services.log.show(),
  };
}

const STEPS = 4;

/**
 * The keyboard-only flow: sample URL → transcript → text → voice name, then the preview plays in the panel.
 * `initial` pre-fills the boxes (and lets tests drive the flow); a value that is valid and complete is not asked again.
 */
/** What `glmVoiceClone.cloneVoice` returns, for scripts and tests; undefined when the user dismissed a prompt. */
/**
 * `offer`: the clone was refused because Novita takes no local file, and "Clone with Zhipu" was offered (a Zhipu key
 * is set).
 */
export type CloneCommandResult = ({ ok: true } & CloneOutcome) | { ok: false; message: string; cancelled?: boolean; offer?: 'cloneWithZhipu' };

/**
 * What scripts and tests may pass besides the form: `sampleFile` (a path or a file:/vscode-remote: URI) clones from
 * that file; `provider` clones there rather than at the selected one; `signal` cancels as the notification's Cancel.
 */
type PaletteOptions = Partial<CloneForm> & { acceptWarnings?: boolean; consent?: boolean; sampleFile?: string; provider?: ProviderId; signal?: AbortSignal };

/** A path or a URI as given to the command. */
function fileUriOf(given: string): vscode.Uri {
  return /^(file|vscode-remote):/i.test(given) ? vscode.Uri.parse(given, true) : vscode.Uri.file(given);
}

async function cloneFromPalette(services: Services, initial: PaletteOptions = {}): Promise<CloneCommandResult | undefined> {
  const interactive = !isCompleteForm(initial);
  const form: CloneForm = {
    sampleUrl: initial.sampleUrl ?? (interactive && !initial.sampleFile ? readSuggestedSampleUrl() : ''),
    transcript: initial.transcript ?? '',
    text: initial.text ?? '',
    voiceName: initial.voiceName ?? '',
  };
  let acceptWarnings = initial.acceptWarnings === true;
  // Scripts and tests pass `consent: true`; the palette asks (below) unless this sample was cloned with consent before.
  let consent = initial.consent === true;
  let sampleFile: SampleFileInfo | undefined;
  if (initial.sampleFile) {
    try {
      sampleFile = await sampleFileInfo(fileUriOf(initial.sampleFile));
    } catch (err) {
      const message = describe(err, services.log).message;
      void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`);
      return { ok: false, message };
    }
  }
  const provider = initial.provider ?? readProviderSettings().provider;
  if (interactive) {
    // The sample is checked as soon as it is given: a bad one is asked for again, before anything else is typed.
    for (;;) {
      const source = sampleFile ? 'file' : await askSampleSource(form.sampleUrl);
      if (source === undefined) return undefined;
      if (source === 'url') {
        const sampleUrl = await ask(1, l10n.t('Sample audio URL'), form.sampleUrl, l10n.t('https://example.com/sample.wav (WAV or MP3, 3–30 s, ≤ 10 MB)'), validateSampleUrl);
        if (sampleUrl === undefined) return undefined;
        form.sampleUrl = sampleUrl.trim();
        sampleFile = undefined;
        const verdict = await checkSampleInteractively(services, form.sampleUrl, (signal) => services.samples.check(form.sampleUrl, signal));
        if (verdict === 'cancel') return undefined;
        if (verdict === 'again') continue;
        acceptWarnings = verdict === 'accepted';
        break;
      }
      if (!sampleFile) {
        const uri = source === 'workspace' ? await pickWorkspaceSample() : await browseForSample();
        if (!uri) continue;
        try {
          sampleFile = await sampleFileInfo(uri);
        } catch (err) {
          void vscode.window.showErrorMessage(`GLM Voice Clone: ${describe(err, services.log).message}`);
          continue;
        }
      }
      const file = sampleFile;
      const verdict = await checkSampleInteractively(services, file.uri, async () => services.samples.checkFile((await readSampleFile(file)).bytes, file.name, provider));
      if (verdict === 'cancel') return undefined;
      if (verdict === 'again') {
        sampleFile = undefined;
        continue;
      }
      acceptWarnings = verdict === 'accepted';
      break;
    }
    const sampleId = sampleFile ? pathToFileURL(fileUriOf(sampleFile.uri).fsPath).href : form.sampleUrl;
    if (!consent && !(await services.storage.library()).consentFor(sampleId)) consent = await askConsent();
    const transcript = await ask(2, l10n.t('Sample transcript (optional)'), form.transcript, l10n.t('What the sample says, word for word; leave empty to skip'), (v) => fieldMessage('transcript', checkTranscript(v)));
    if (transcript === undefined) return undefined;
    form.transcript = transcript;
    const text = await ask(3, l10n.t('Text to preview'), form.text, l10n.t('What you want to hear in the cloned voice'), (v) => fieldMessage('text', checkText(v)));
    if (text === undefined) return undefined;
    form.text = text;
    const library = await services.storage.library();
    const voiceName = await ask(4, l10n.t('Voice name'), form.voiceName || library.proposeName('my-voice'), l10n.t('Unique; letters, digits, - and _'), (v) =>
      fieldMessage('voiceName', checkVoiceName(v)) ?? (library.hasName(v.trim()) ? l10n.t('A voice named “{0}” already exists here.', v.trim()) : undefined),
    );
    if (voiceName === undefined) return undefined;
    form.voiceName = voiceName;
  }

  const problems = await services.clone.validate(form);
  // A file stands in for the sample URL.
  if (sampleFile) delete problems.sampleUrl;
  const firstField = (Object.keys(problems) as Array<keyof CloneForm>)[0];
  const firstError = firstField && fieldMessage(firstField, problems[firstField]);
  if (firstError) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${firstError}`);
    return { ok: false, message: firstError };
  }

  const panel = VoiceClonePanel.createOrShow(services);
  panel.prefill(form, sampleFile);
  const requestId = randomUUID().replace(/-/g, '');
  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: l10n.t('Cloning “{0}”', form.voiceName.trim()), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        const given = initial.signal;
        const onGiven = () => controller.abort();
        given?.addEventListener('abort', onGiven);
        if (given?.aborted) controller.abort();
        try {
          const file = sampleFile ? await readSampleFile(sampleFile) : undefined;
          return await services.clone.clone(form, {
            signal: controller.signal,
            acceptWarnings,
            consent,
            ...(file ? { sampleFile: file } : {}),
            ...(file || provider !== 'novita' ? { provider } : {}),
            progress: (event) => progress.report({ message: describeProgress(event) }),
          });
        } finally {
          sub.dispose();
          given?.removeEventListener('abort', onGiven);
        }
      },
    );
    const target = VoiceClonePanel.createOrShow(services);
    await target.whenReady();
    target.showOutcome(outcome, requestId, true, undefined, { next: await services.clone.proposeName() });
    target.rememberPreview(outcome);
    return { ok: true, ...outcome };
  } catch (err) {
    const e = describe(err, services.log);
    if (e.cancelled) return { ok: false, message: e.message, cancelled: true };
    const zhipu = await offerZhipu(err, services);
    VoiceClonePanel.instance?.post({ type: 'cloneError', requestId, message: e.message, field: sampleFile && e.field === 'sampleUrl' ? undefined : e.field, action: zhipu ? 'cloneWithZhipu' : e.action, ...(e.consent ? { consent: true } : {}) });
    const setKey = l10n.t('Set API Key');
    const retry = l10n.t('Retry');
    const anyway = l10n.t('Clone Anyway');
    const withZhipu = l10n.t('Clone with Zhipu');
    const actions = zhipu ? [withZhipu] : e.action === 'setApiKey' ? [setKey] : e.action === 'retry' ? [retry] : e.action === 'cloneAnyway' ? [anyway] : [];
    const again: PaletteOptions = { ...form, consent, ...(sampleFile ? { sampleFile: sampleFile.uri } : {}), ...(initial.provider ? { provider: initial.provider } : {}) };
    // Not awaited: the command returns now; the form stays in the panel, and the buttons carry on from it.
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`, ...actions).then(async (choice) => {
      if (choice === setKey) {
        if (await vscode.commands.executeCommand<boolean>('glmVoiceClone.setApiKey')) await cloneFromPalette(services, again);
      } else if (choice === retry) {
        await cloneFromPalette(services, again);
      } else if (choice === anyway) {
        await cloneFromPalette(services, { ...again, acceptWarnings: true });
      } else if (choice === withZhipu) {
        await cloneFromPalette(services, { ...again, provider: 'zhipu' });
      }
    });
    return { ok: false, message: e.message, ...(zhipu ? { offer: 'cloneWithZhipu' as const } : {}) };
  }
}

/** Fills "Sample transcript (optional)" from Novita's speech recognition; asks before replacing typed text. */
async function transcribeFromPalette(services: Services, given?: string): Promise<{ ok: true; text: string } | { ok: false; message: string } | undefined> {
  const draft = VoiceClonePanel.draft(services);
  const url = given ?? (await ask(1, l10n.t('Sample audio URL to transcribe'), draft.sampleUrl, l10n.t('https://example.com/sample.wav (≤ 30 s)'), validateSampleUrl, 1));
  if (url === undefined) return undefined;
  const problem = validateSampleUrl(url);
  if (problem) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${problem}`);
    return { ok: false, message: problem };
  }
  let text: string;
  try {
    text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: l10n.t('Transcribing the sample…'), cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return services.samples.transcribe(url.trim(), controller.signal);
    });
  } catch (err) {
    const e = describe(err, services.log);
    if (!e.cancelled) void vscode.window.showErrorMessage(l10n.t('GLM Voice Clone: transcription failed: {0} Your transcript was left as it was.', e.message));
    return { ok: false, message: e.message };
  }
  const typed = draft.transcript.trim();
  let transcript = text;
  const replace = l10n.t('Replace');
  if (typed && typed !== text) {
    const choice = await vscode.window.showWarningMessage(
      l10n.t('Replace the transcript you typed with the one Novita heard?'),
      { modal: true, detail: l10n.t('Yours: “{0}”\nNovita\'s: “{1}”', typed.slice(0, 200), text.slice(0, 200)) },
      replace,
      l10n.t('Keep Mine'),
    );
    if (choice !== replace) transcript = draft.transcript;
  }
  const panel = VoiceClonePanel.createOrShow(services);
  await panel.whenReady();
  panel.prefill({ ...VoiceClonePanel.draft(services), sampleUrl: url.trim(), transcript });
  return { ok: true, text };
}

/** The palette's first question: where the sample is. */
async function askSampleSource(suggestedUrl: string): Promise<'url' | 'file' | 'workspace' | undefined> {
  const items: (vscode.QuickPickItem & { source: 'url' | 'file' | 'workspace' })[] = [
    { label: `$(link) ${l10n.t('A URL')}`, description: suggestedUrl, detail: l10n.t('A public address of the recording (Novita and Zhipu)'), source: 'url' },
    { label: `$(file-media) ${l10n.t('A file on disk')}`, detail: l10n.t('A WAV or MP3 on this computer, uploaded to Zhipu'), source: 'file' },
    { label: `$(files) ${l10n.t('An audio file of this workspace')}`, detail: l10n.t('Chosen from the workspace’s WAV and MP3 files, uploaded to Zhipu'), source: 'workspace' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: l10n.t('Clone Voice ({0}/{1}): {2}', 1, STEPS, l10n.t('Sample')), placeHolder: l10n.t('Where is the recording of the voice to clone?'), ignoreFocusOut: true });
  return picked?.source;
}

/** 'ok' (nothing to say), 'accepted' (warned, the user chose to clone anyway), 'again' (ask for another sample), 'cancel'. */
async function checkSampleInteractively(services: Services, url: string, run: (signal: AbortSignal) => Promise<SamplePreflight>): Promise<'ok' | 'accepted' | 'again' | 'cancel'> {
  let result;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: l10n.t('Checking the sample…'), cancellable: true },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return run(controller.signal);
      },
    );
  } catch (err) {
    const e = describe(err, services.log);
    if (e.cancelled) return 'cancel';
    const choice = await vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`, l10n.t('Change Sample'));
    return choice ? 'again' : 'cancel';
  }
  const check = describeSampleCheck(url, result);
  if (!result.ok) {
    const choice = await vscode.window.showErrorMessage(`GLM Voice Clone: ${check.refusal}`, l10n.t('Change Sample'));
    return choice ? 'again' : 'cancel';
  }
  const warnings = check.warnings ?? [];
  const anyway = l10n.t('Clone Anyway');
  const change = l10n.t('Change Sample');
  if (!warnings.length) {
    void vscode.window.setStatusBarMessage(l10n.t('$(check) Sample: {0}', check.summary ?? ''), 5000);
    return 'ok';
  }
  const choice = await vscode.window.showWarningMessage(
    l10n.t('The sample ({0}) may not clone well.', check.summary ?? ''),
    { modal: true, detail: warnings.map((w) => w.message).join('\n') },
    anyway,
    change,
  );
  return choice === anyway ? 'accepted' : choice === change ? 'again' : 'cancel';
}

/** The palette's consent box: a modal that must be answered with the confirmation itself; anything else is a no. */
async function askConsent(): Promise<boolean> {
  const confirm = l10n.t('I have the right to clone this voice');
  const choice = await vscode.window.showWarningMessage(
    l10n.t('Do you have the right to clone the voice in this sample?'),
    { modal: true, detail: l10n.t('Clone only your own voice or a voice whose owner agreed. Your confirmation is recorded with the voice and its date.') },
    confirm,
  );
  return choice === confirm;
}

function isCompleteForm(f: PaletteOptions): boolean {
  const sample = (typeof f.sampleUrl === 'string' && f.sampleUrl !== '') || (typeof f.sampleFile === 'string' && f.sampleFile !== '');
  return sample && typeof f.text === 'string' && typeof f.voiceName === 'string' && f.text !== '' && f.voiceName !== '';
}

async function ask(step: number, title: string, value: string, placeHolder: string, validate: (v: string) => string | undefined, steps = STEPS): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: steps > 1 ? l10n.t('Clone Voice ({0}/{1}): {2}', step, steps, title) : `GLM Voice Clone: ${title}`,
    value,
    placeHolder,
    prompt: placeHolder,
    ignoreFocusOut: true,
    validateInput: (v) => validate(v),
  });
}

function validateSampleUrl(v: string): string | undefined {
  return fieldMessage('sampleUrl', checkSampleUrl(v));
}
