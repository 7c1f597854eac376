import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { CloneOutcome } from '../../core/flows/clone';
import { checkSampleUrl, checkText, checkTranscript, checkVoiceName, type CloneForm } from '../../core/validation';
import { describe, describeProgress, describeSampleCheck, fieldMessage } from '../platform/describe';
import { VoiceClonePanel } from '../panel/panel';
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
      if (key) void vscode.window.showInformationMessage('GLM Voice Clone: API key saved in VS Code’s secret storage.');
      return Boolean(key);
    },
    'glmVoiceClone.clearApiKey': async () => {
      await keys.clear();
      void vscode.window.showInformationMessage(
        process.env.NOVITA_API_KEY ? 'GLM Voice Clone: stored API key removed (NOVITA_API_KEY from the environment is still used).' : 'GLM Voice Clone: API key removed.',
      );
    },
    'glmVoiceClone.cloneVoice': (initial?: Partial<CloneForm>) => cloneFromPalette(services, initial),
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
export type CloneCommandResult = ({ ok: true } & CloneOutcome) | { ok: false; message: string; cancelled?: boolean };

async function cloneFromPalette(services: Services, initial: Partial<CloneForm> & { acceptWarnings?: boolean } = {}): Promise<CloneCommandResult | undefined> {
  const interactive = !isCompleteForm(initial);
  const form: CloneForm = { sampleUrl: initial.sampleUrl ?? '', transcript: initial.transcript ?? '', text: initial.text ?? '', voiceName: initial.voiceName ?? '' };
  let acceptWarnings = initial.acceptWarnings === true;
  if (interactive) {
    // The sample is checked as soon as it is given: a bad one is asked for again, before anything else is typed.
    for (;;) {
      const sampleUrl = await ask(1, 'Sample audio URL', form.sampleUrl, 'https://example.com/sample.wav (WAV or MP3, 3–30 s, ≤ 10 MB)', validateSampleUrl);
      if (sampleUrl === undefined) return undefined;
      form.sampleUrl = sampleUrl.trim();
      const verdict = await checkSampleInteractively(services, form.sampleUrl);
      if (verdict === 'cancel') return undefined;
      if (verdict === 'again') continue;
      acceptWarnings = verdict === 'accepted';
      break;
    }
    const transcript = await ask(2, 'Sample transcript (optional)', form.transcript, 'What the sample says, word for word; leave empty to skip', (v) => fieldMessage('transcript', checkTranscript(v)));
    if (transcript === undefined) return undefined;
    form.transcript = transcript;
    const text = await ask(3, 'Text to preview', form.text, 'What you want to hear in the cloned voice', (v) => fieldMessage('text', checkText(v)));
    if (text === undefined) return undefined;
    form.text = text;
    const library = await services.storage.library();
    const voiceName = await ask(4, 'Voice name', form.voiceName || library.proposeName('my-voice'), 'Unique; letters, digits, - and _', (v) =>
      fieldMessage('voiceName', checkVoiceName(v)) ?? (library.hasName(v.trim()) ? `A voice named “${v.trim()}” already exists here.` : undefined),
    );
    if (voiceName === undefined) return undefined;
    form.voiceName = voiceName;
  }

  const problems = await services.clone.validate(form);
  const firstField = (Object.keys(problems) as Array<keyof CloneForm>)[0];
  const firstError = firstField && fieldMessage(firstField, problems[firstField]);
  if (firstError) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${firstError}`);
    return { ok: false, message: firstError };
  }

  const panel = VoiceClonePanel.createOrShow(services);
  panel.prefill(form);
  const requestId = randomUUID().replace(/-/g, '');
  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cloning “${form.voiceName.trim()}”`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await services.clone.clone(form, { signal: controller.signal, acceptWarnings, progress: (event) => progress.report({ message: describeProgress(event) }) });
        } finally {
          sub.dispose();
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
    VoiceClonePanel.instance?.post({ type: 'cloneError', requestId, message: e.message, field: e.field, action: e.action });
    const actions = e.action === 'setApiKey' ? ['Set API Key'] : e.action === 'retry' ? ['Retry'] : e.action === 'cloneAnyway' ? ['Clone Anyway'] : [];
    // Not awaited: the command returns now; the form stays in the panel, and the buttons carry on from it.
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`, ...actions).then(async (choice) => {
      if (choice === 'Set API Key') {
        if (await vscode.commands.executeCommand<boolean>('glmVoiceClone.setApiKey')) await cloneFromPalette(services, form);
      } else if (choice === 'Retry') {
        await cloneFromPalette(services, form);
      } else if (choice === 'Clone Anyway') {
        await cloneFromPalette(services, { ...form, acceptWarnings: true });
      }
    });
    return { ok: false, message: e.message };
  }
}

/** Fills "Sample transcript (optional)" from Novita's speech recognition; asks before replacing typed text. */
async function transcribeFromPalette(services: Services, given?: string): Promise<{ ok: true; text: string } | { ok: false; message: string } | undefined> {
  const draft = VoiceClonePanel.draft(services);
  const url = given ?? (await ask(1, 'Sample audio URL to transcribe', draft.sampleUrl, 'https://example.com/sample.wav (≤ 30 s)', validateSampleUrl, 1));
  if (url === undefined) return undefined;
  const problem = validateSampleUrl(url);
  if (problem) {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${problem}`);
    return { ok: false, message: problem };
  }
  let text: string;
  try {
    text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Transcribing the sample…', cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return services.samples.transcribe(url.trim(), controller.signal);
    });
  } catch (err) {
    const e = describe(err, services.log);
    if (!e.cancelled) void vscode.window.showErrorMessage(`GLM Voice Clone: transcription failed: ${e.message} Your transcript was left as it was.`);
    return { ok: false, message: e.message };
  }
  const typed = draft.transcript.trim();
  let transcript = text;
  if (typed && typed !== text) {
    const choice = await vscode.window.showWarningMessage(
      'Replace the transcript you typed with the one Novita heard?',
      { modal: true, detail: `Yours: “${typed.slice(0, 200)}”\nNovita's: “${text.slice(0, 200)}”` },
      'Replace',
      'Keep Mine',
    );
    if (choice !== 'Replace') transcript = draft.transcript;
  }
  const panel = VoiceClonePanel.createOrShow(services);
  await panel.whenReady();
  panel.prefill({ ...VoiceClonePanel.draft(services), sampleUrl: url.trim(), transcript });
  return { ok: true, text };
}

/** 'ok' (nothing to say), 'accepted' (warned, the user chose to clone anyway), 'again' (ask for another URL), 'cancel'. */
async function checkSampleInteractively(services: Services, url: string): Promise<'ok' | 'accepted' | 'again' | 'cancel'> {
  let result;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Checking the sample…', cancellable: true },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return services.samples.check(url, controller.signal);
      },
    );
  } catch (err) {
    const e = describe(err, services.log);
    if (e.cancelled) return 'cancel';
    const choice = await vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`, 'Change Sample');
    return choice ? 'again' : 'cancel';
  }
  const check = describeSampleCheck(url, result);
  if (!result.ok) {
    const choice = await vscode.window.showErrorMessage(`GLM Voice Clone: ${check.refusal}`, 'Change Sample');
    return choice ? 'again' : 'cancel';
  }
  const warnings = check.warnings ?? [];
  if (!warnings.length) {
    void vscode.window.setStatusBarMessage(`$(check) Sample: ${check.summary}`, 5000);
    return 'ok';
  }
  const choice = await vscode.window.showWarningMessage(
    `The sample (${check.summary}) may not clone well.`,
    { modal: true, detail: warnings.map((w) => w.message).join('\n') },
    'Clone Anyway',
    'Change Sample',
  );
  return choice === 'Clone Anyway' ? 'accepted' : choice === 'Change Sample' ? 'again' : 'cancel';
}

function isCompleteForm(f: Partial<CloneForm>): f is CloneForm {
  return typeof f.sampleUrl === 'string' && typeof f.text === 'string' && typeof f.voiceName === 'string' && f.sampleUrl !== '' && f.text !== '' && f.voiceName !== '';
}

async function ask(step: number, title: string, value: string, placeHolder: string, validate: (v: string) => string | undefined, steps = STEPS): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: steps > 1 ? `Clone Voice (${step}/${steps}): ${title}` : `GLM Voice Clone: ${title}`,
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
