// The clone form: its four fields and what they show (count, errors, the name check and a free name), the draft
// (saved on every edit), submitting and cancelling a clone, the banner, and the busy look while a clone runs.
import { codePointLength, LIMITS } from '../core/limits';
import { checkCloneForm, freeName, type CloneField, type CloneForm, type FieldProblem, type FieldProblems } from '../core/validation';
import { consentRequiredText, fieldProblemText, formatBytes } from '../messages';
import type { SampleFileInfo } from '../shared/protocol';
import { byId, newRequestId, type HostMessage, type Panel } from './context';
import { announce, l10n } from './l10n';

export const FIELDS: readonly CloneField[] = ['sampleUrl', 'transcript', 'text', 'voiceName'];

type BannerAction = NonNullable<HostMessage<'cloneError'>['action']>;
const actionLabel = (action: BannerAction) =>
  action === 'setApiKey' ? l10n.t('Set API Key') : action === 'retry' ? l10n.t('Retry') : action === 'cloneWithZhipu' ? l10n.t('Clone with Zhipu') : l10n.t('Clone Anyway');

/**
 * The spinner appears only once a wait is long enough to need it (the progress text says what is going on from the
 * start): one that flashes for a fraction of a second says nothing, and its frames compete with the work it waits for.
 */
const SPINNER_AFTER_MS = 500;

export type Form = ReturnType<typeof createForm>;

export function createForm(panel: Panel) {
  const { state } = panel;
  const formEl = byId<HTMLFormElement>('clone-form');
  const inputs = Object.fromEntries(FIELDS.map((f) => [f, byId<HTMLInputElement | HTMLTextAreaElement>(f)])) as Record<CloneField, HTMLInputElement | HTMLTextAreaElement>;
  const errorEls = Object.fromEntries(FIELDS.map((f) => [f, byId(`${f}-error`)])) as Record<CloneField, HTMLElement>;
  const ui = {
    clone: byId<HTMLButtonElement>('clone'),
    cancel: byId<HTMLButtonElement>('cancel'),
    progress: byId('progress'),
    textCount: byId('text-count'),
    banner: byId('form-error'),
    bannerText: byId('form-error-text'),
    bannerAction: byId<HTMLButtonElement>('form-error-action'),
    suggestionRow: byId('name-suggestion-row'),
    suggestion: byId<HTMLButtonElement>('name-suggestion'),
    consent: byId<HTMLInputElement>('consent'),
    consentError: byId('consent-error'),
    sampleFile: byId('sample-file'),
    sampleFileText: byId('sample-file-text'),
    clearSampleFile: byId<HTMLButtonElement>('clear-sample-file'),
    browseSample: byId<HTMLButtonElement>('browse-sample'),
    workspaceSample: byId<HTMLButtonElement>('workspace-sample'),
    sampleDrop: byId('sample-drop'),
  };

  let usedNames = new Set<string>();
  /** Sample URLs cloned before with consent: cloning them again needs no new confirmation. */
  let consentedSamples = new Set<string>();
  let runningRequest: string | undefined;
  let bannerAction: BannerAction | undefined;
  let spinnerTimer: ReturnType<typeof setTimeout> | undefined;
  const editListeners: ((field: CloneField) => void)[] = [];
  /** The local file the sample is, when one was chosen (the URL field is hidden meanwhile). */
  let sampleFile: SampleFileInfo | undefined;

  const nameTaken = (name: string) => usedNames.has(name.toLowerCase());
  const lowerSet = (names: string[]) => new Set(names.map((n) => n.toLowerCase()));

  function read(): CloneForm {
    return { sampleUrl: inputs.sampleUrl.value, transcript: inputs.transcript.value, text: inputs.text.value, voiceName: inputs.voiceName.value };
  }

  function write(form: CloneForm): void {
    for (const f of FIELDS) inputs[f].value = form[f];
    updateCount();
  }

  /** What the fields hold now becomes the state, saved here and sent to the host. */
  function commit(): void {
    state.form = read();
    panel.save();
    state.sampleFile = sampleFile;
    panel.save();
    // on every edit, not on a timer: a panel closed right after typing must still have told the host
    panel.post({ type: 'draft', form: state.form, ...(sampleFile ? { sampleFile } : {}) });
  }

  /** Shows `file` as the sample (name, size), or the URL field again; nothing saved. */
  function showSampleFile(file: SampleFileInfo | undefined): void {
    sampleFile = file;
    ui.sampleFile.hidden = !file;
    inputs.sampleUrl.hidden = Boolean(file);
    ui.sampleFileText.textContent = file ? `${file.name} · ${formatBytes(file.sizeBytes)}` : '';
    ui.sampleFile.title = file ? decodeURIComponent(file.uri.replace(/^[a-z-]+:\/\/[^/]*/i, '')) : '';
    if (file) showFieldError('sampleUrl', undefined);
  }

  function updateCount(): void {
    const n = codePointLength(inputs.text.value);
    ui.textCount.textContent = l10n.t('{0} / {1} characters', n, LIMITS.inputChars);
    ui.textCount.classList.toggle('over', n > LIMITS.inputChars);
  }

  function showFieldError(field: CloneField, message: string | undefined): void {
    const el = errorEls[field];
    el.textContent = message ?? '';
    el.hidden = !message;
    inputs[field].setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  function showProblem(field: CloneField, problem: FieldProblem | undefined): void {
    showFieldError(field, problem && fieldProblemText(field, problem, l10n));
  }

  function showProblems(problems: FieldProblems): void {
    for (const f of FIELDS) showProblem(f, problems[f]);
  }

  function showBanner(message: string | undefined, action?: BannerAction): void {
    ui.banner.hidden = !message;
    ui.bannerText.textContent = message ?? '';
    bannerAction = action;
    ui.bannerAction.hidden = !action;
    ui.bannerAction.textContent = action ? actionLabel(action) : '';
    if (message) announce(message);
  }

  function showConsentError(message: string | undefined): void {
    ui.consentError.textContent = message ?? '';
    ui.consentError.hidden = !message;
    ui.consent.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  /** The box is required unless this sample was cloned with consent before. */
  const consentMissing = (form: CloneForm) => !ui.consent.checked && (sampleFile !== undefined || !consentedSamples.has(form.sampleUrl.trim()));

  /** The form's problems; a chosen file stands in for the sample URL. */
  const problemsOf = (form: CloneForm): FieldProblems => {
    const problems = checkCloneForm(form, nameTaken);
    if (sampleFile) delete problems.sampleUrl;
    return problems;
  };

  /** The voice name is checked against the library as it is typed, with a free name offered. */
  function checkName(): void {
    const name = inputs.voiceName.value.trim();
    if (name && nameTaken(name)) {
      // `name` is taken, so the rule shared with the host gives the next free variant (name-2, name-3…)
      const suggestion = freeName(name, nameTaken);
      showProblem('voiceName', { code: 'nameTaken', name });
      ui.suggestion.textContent = l10n.t('Use “{0}”', suggestion);
      ui.suggestion.dataset.name = suggestion;
      ui.suggestionRow.hidden = false;
    } else {
      ui.suggestionRow.hidden = true;
      if (!errorEls.voiceName.hidden) showProblem('voiceName', checkCloneForm(read(), nameTaken).voiceName);
    }
  }

  function setBusy(requestId: string | undefined): void {
    runningRequest = requestId;
    const busy = requestId !== undefined;
    document.body.dataset.state = busy ? 'busy' : 'idle';
    clearTimeout(spinnerTimer);
    delete document.body.dataset.wait;
    if (busy) spinnerTimer = setTimeout(() => (document.body.dataset.wait = 'long'), SPINNER_AFTER_MS);
    ui.clone.disabled = busy;
    ui.cancel.hidden = !busy;
    formEl.setAttribute('aria-busy', String(busy));
    if (!busy) ui.progress.textContent = '';
  }

  function submit(acceptWarnings: boolean, provider?: 'zhipu'): void {
    if (runningRequest) return;
    const form = read();
    const problems = problemsOf(form);
    showProblems(problems);
    showBanner(undefined);
    // Refused here, before anything is sent: the reason is said beside the box, which gets the focus.
    const noConsent = consentMissing(form);
    showConsentError(noConsent ? consentRequiredText(l10n) : undefined);
    const first = FIELDS.find((f) => problems[f]);
    if (first) {
      inputs[first].focus();
      announce(l10n.t('The form has problems: {0}', errorEls[first].textContent ?? ''));
      return;
    }
    if (noConsent) {
      ui.consent.focus();
      announce(consentRequiredText(l10n));
      return;
    }
    const requestId = newRequestId();
    runningRequest = requestId;
    panel.post({ type: 'clone', requestId, form, acceptWarnings, ...(ui.consent.checked ? { consent: true } : {}), ...(sampleFile ? { sampleFile } : {}), ...(provider ? { provider } : {}) });
    // The request first, the busy look a frame later: here the page shares its thread with the editor that carries
    // the message on, and a frame's layout and paint would go before it.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (runningRequest !== requestId || document.body.dataset.state === 'busy') return;
        setBusy(requestId);
        ui.progress.textContent = l10n.t('Checking the sample…');
      }),
    );
  }

  /** The run is over unless another one has started since. */
  function finished(requestId: string): void {
    if (requestId === runningRequest || runningRequest === undefined) setBusy(undefined);
  }

  formEl.addEventListener('input', (e) => {
    commit();
    const field = (e.target as HTMLElement).id as CloneField;
    if (field === 'text') updateCount();
    for (const listener of editListeners) listener(field);
    if (field === 'voiceName') checkName();
    // an error clears as soon as the field is valid again; it never clears what was typed
    if (FIELDS.includes(field) && !errorEls[field].hidden) showProblem(field, problemsOf(state.form)[field]);
  });

  for (const f of FIELDS) {
    inputs[f].addEventListener('blur', () => {
      if (!inputs[f].value) return;
      showProblem(f, problemsOf(read())[f]);
    });
  }

  formEl.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(false);
  });

  ui.suggestion.addEventListener('click', () => {
    const name = ui.suggestion.dataset.name;
    if (!name) return;
    inputs.voiceName.value = name;
    commit();
    ui.suggestionRow.hidden = true;
    showFieldError('voiceName', undefined);
  });

  ui.consent.addEventListener('change', () => {
    if (ui.consent.checked) showConsentError(undefined);
  });

  // Escape cancels a running clone from anywhere in the form (the keyboard's way to the Cancel button).
  formEl.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && runningRequest) {
      e.preventDefault();
      panel.post({ type: 'cancel', requestId: runningRequest });
    }
  });

  ui.cancel.addEventListener('click', () => {
    if (runningRequest) panel.post({ type: 'cancel', requestId: runningRequest });
  });

  ui.bannerAction.addEventListener('click', () => {
    if (bannerAction === 'setApiKey') panel.post({ type: 'setApiKey' });
    else if (bannerAction === 'retry') submit(false);
    else if (bannerAction === 'cloneAnyway') submit(true);
    else if (bannerAction === 'cloneWithZhipu') submit(false, 'zhipu');
  });

  ui.browseSample.addEventListener('click', () => panel.post({ type: 'pickSample', how: 'browse' }));
  ui.workspaceSample.addEventListener('click', () => panel.post({ type: 'pickSample', how: 'workspace' }));
  ui.clearSampleFile.addEventListener('click', () => {
    showSampleFile(undefined);
    commit();
    for (const listener of editListeners) listener('sampleUrl');
    inputs.sampleUrl.focus();
  });

  // A file dragged from the Explorer (VS Code hands a webview the drop only with Shift held): its URI, as VS Code's
  // own list or the standard text/uri-list; the host checks that it is a local file.
  const URI_TYPES = ['application/vnd.code.uri-list', 'text/uri-list'];
  const droppedUris = (data: DataTransfer | null) => URI_TYPES.map((t) => data?.getData(t) ?? '').find((v) => v.trim());
  ui.sampleDrop.addEventListener('dragover', (e) => {
    if (!e.dataTransfer || runningRequest) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    ui.sampleDrop.classList.add('drop-target');
  });
  ui.sampleDrop.addEventListener('dragleave', () => ui.sampleDrop.classList.remove('drop-target'));
  ui.sampleDrop.addEventListener('drop', (e) => {
    ui.sampleDrop.classList.remove('drop-target');
    const uris = droppedUris(e.dataTransfer);
    // a URL dropped as text goes into the URL field as typed; a file's URI goes to the host
    if (!uris) return;
    e.preventDefault();
    panel.post({ type: 'dropSample', uris });
  });

  return {
    value: (field: CloneField) => inputs[field].value,
    setValue: (field: CloneField, value: string) => void (inputs[field].value = value),
    focus: (field: CloneField) => inputs[field].focus(),
    isBlank: () => !FIELDS.some((f) => inputs[f].value),
    /** Called after each edit of a field, once the draft is saved. */
    onEdit: (listener: (field: CloneField) => void) => void editListeners.push(listener),
    /** Shows `form` in the fields (nothing saved). */
    write,
    /** Shows `form` in the fields and saves it as the panel's state. */
    load(form: CloneForm, file?: SampleFileInfo): void {
      write(form);
      showSampleFile(file);
      state.form = read();
      state.sampleFile = file;
      panel.save();
    },
    /** The chosen local file, if the sample is one. */
    sampleFile: () => sampleFile,
    /** The host's file became the sample (picked or dropped): shown and saved; the check follows. */
    useSampleFile(file: SampleFileInfo): void {
      showSampleFile(file);
      commit();
      for (const listener of editListeners) listener('sampleUrl');
    },
    showSampleFile,
    commit,
    showFieldError,
    showProblem,
    clearMessages(): void {
      showProblems({});
      showBanner(undefined);
    },
    setUsedNames: (names: string[]) => void (usedNames = lowerSet(names)),
    addUsedNames: (names: string[]) => void (usedNames = new Set([...usedNames, ...lowerSet(names)])),
    checkName,
    /** The host's proposal for an empty name field. */
    fillName(name: string): void {
      if (inputs.voiceName.value) return;
      inputs.voiceName.value = name;
      state.form = read();
      panel.save();
    },
    /** After a clone: the name it used is taken now; the field offers a free one for the next voice. */
    proposeNext(name: string, used: string[]): void {
      usedNames = lowerSet(used);
      inputs.voiceName.value = name;
      commit();
      checkName();
    },
    setBusy,
    started(requestId: string): void {
      setBusy(requestId);
      ui.progress.textContent = l10n.t('Cloning…');
      announce(l10n.t('Cloning…'));
    },
    progress(requestId: string, message: string): void {
      if (requestId !== runningRequest) return;
      ui.progress.textContent = message;
      announce(message);
    },
    /** The samples cloned with consent, from the library. */
    setConsentedSamples: (urls: string[]) => void (consentedSamples = new Set(urls)),
    /** After a clone: the next sample needs its own confirmation. */
    resetConsent(): void {
      ui.consent.checked = false;
      showConsentError(undefined);
    },
    finished,
    failed(msg: HostMessage<'cloneError'>): void {
      if (msg.consent) {
        showConsentError(msg.message);
        ui.consent.focus();
        announce(msg.message);
        return;
      }
      if (msg.field) showFieldError(msg.field, msg.message);
      showBanner(msg.field ? undefined : msg.message, msg.action);
      // the focus goes where the fix is: the field, else the banner's action, else the banner's text is announced
      if (msg.field) {
        inputs[msg.field].focus();
        announce(msg.message);
      } else if (msg.action) ui.bannerAction.focus();
    },
    /** A file could not be the sample: said under the sample field. */
    sampleFileError(message: string): void {
      showFieldError('sampleUrl', message);
      announce(message);
    },
    keyState(hasKey: boolean): void {
      if (hasKey && bannerAction === 'setApiKey') showBanner(l10n.t('API key saved. Press “Clone and preview” to try again.'));
    },
  };
}
