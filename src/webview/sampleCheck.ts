// The sample URL's live check (what the host found at the URL, shown under the field), playing the sample itself,
// and the transcript offered from it ("Transcribe sample").
import { checkSampleUrl, type CloneField } from '../core/validation';
import type { SampleCheck } from '../shared/protocol';
import { l10n } from './l10n';
import { byId, newRequestId, type HostMessage, type Panel } from './context';
import type { Form } from './form';

/** How long typing must pause before the URL is checked. */
const CHECK_AFTER_MS = 600;

export type SampleChecker = ReturnType<typeof createSampleCheck>;

export function createSampleCheck(panel: Panel, form: Form) {
  const ui = {
    info: byId('sample-info'),
    warning: byId('sample-warning'),
    play: byId<HTMLButtonElement>('play-sample'),
    player: byId<HTMLAudioElement>('sample-player'),
    transcribe: byId<HTMLButtonElement>('transcribe'),
    offer: byId('transcript-offer'),
    offerText: byId('transcript-offer-text'),
  };

  let lastCheck: SampleCheck | undefined;
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let transcribeRequest: string | undefined;
  let offeredTranscript: string | undefined;

  const typedUrl = () => form.value('sampleUrl').trim();
  /** What the sample is now: the chosen file's URI, else the typed URL (the key of the host's findings). */
  const currentSample = () => form.sampleFile()?.uri ?? typedUrl();

  function render(check: SampleCheck | undefined): void {
    lastCheck = check;
    if (!check) {
      ui.info.textContent = '';
      ui.warning.hidden = true;
      ui.play.hidden = true;
      return;
    }
    if (check.state === 'checking') {
      ui.info.textContent = l10n.t('Checking the sample…');
      ui.warning.hidden = true;
      ui.play.hidden = true;
      return;
    }
    ui.info.textContent = check.summary ?? '';
    // a local file is not fetched for playback (it is on this computer already)
    ui.play.hidden = !check.ok || form.sampleFile() !== undefined;
    const warnings = check.warnings ?? [];
    ui.warning.textContent = warnings.map((w) => w.message).join(' ');
    ui.warning.hidden = warnings.length === 0;
    form.showFieldError('sampleUrl', check.ok === false ? check.refusal : undefined);
  }

  /** Asks the host to check the typed URL once typing pauses (not again for the URL checked last). */
  function schedule(): void {
    if (checkTimer) clearTimeout(checkTimer);
    const file = form.sampleFile();
    if (file) {
      // checked at once, on the file's bytes (the host reads it): nothing is typed here to wait for
      if (lastCheck?.url === file.uri) return;
      render({ url: file.uri, state: 'checking' });
      panel.post({ type: 'checkSampleFile', file });
      return;
    }
    const url = typedUrl();
    if (!url || checkSampleUrl(url)) {
      render(undefined);
      return;
    }
    if (lastCheck?.url === url) return;
    checkTimer = setTimeout(() => {
      checkTimer = undefined;
      render({ url, state: 'checking' });
      panel.post({ type: 'checkSample', url });
    }, CHECK_AFTER_MS);
  }

  function closeOffer(): void {
    offeredTranscript = undefined;
    ui.offer.hidden = true;
  }

  ui.play.addEventListener('click', () => {
    const url = typedUrl();
    if (!checkSampleUrl(url)) {
      ui.play.disabled = true;
      ui.info.textContent = lastCheck?.summary ? l10n.t('{0} · loading…', lastCheck.summary) : l10n.t('Loading…');
      panel.post({ type: 'playSample', url });
    }
  });

  ui.transcribe.addEventListener('click', () => {
    if (form.sampleFile()) {
      form.showFieldError('transcript', l10n.t('Transcribing needs the sample at a URL (Novita’s speech recognition fetches it): type what the file says.'));
      return;
    }
    const url = typedUrl();
    const problem = checkSampleUrl(url);
    if (problem) {
      form.showProblem('sampleUrl', problem);
      form.focus('sampleUrl');
      return;
    }
    transcribeRequest = newRequestId();
    ui.transcribe.disabled = true;
    ui.transcribe.textContent = l10n.t('Transcribing…');
    form.showFieldError('transcript', undefined);
    panel.post({ type: 'transcribe', requestId: transcribeRequest, url });
  });

  byId('transcript-replace').addEventListener('click', () => {
    if (offeredTranscript === undefined) return;
    form.setValue('transcript', offeredTranscript);
    closeOffer();
    form.commit();
  });

  byId('transcript-keep').addEventListener('click', closeOffer);

  return {
    schedule,
    /** A field of the form was edited. */
    edited(field: CloneField): void {
      if (field === 'sampleUrl') schedule();
      // the offer stays only while the transcript is as it was when it came
      if (field === 'transcript') ui.offer.hidden = true;
    },
    /** The host's finding, if it is still about the typed URL. */
    info(check: SampleCheck): void {
      if (check.url === currentSample()) render(check);
    },
    /** The host made a file the sample (its check comes as `info`), or could not. */
    file(msg: HostMessage<'sampleFile'>): void {
      if (msg.error !== undefined || !msg.file) {
        form.sampleFileError(msg.error ?? '');
        return;
      }
      // the host checks it now: the edit below must not ask again
      render({ url: msg.file.uri, state: 'checking' });
      form.useSampleFile(msg.file);
    },
    playback(msg: HostMessage<'samplePlayback'>): void {
      ui.play.disabled = false;
      if (msg.url !== typedUrl()) return;
      if (msg.error || !msg.audioSrc) {
        ui.info.textContent = msg.error ?? l10n.t('The sample cannot be played here.');
        return;
      }
      ui.info.textContent = lastCheck?.summary ?? '';
      ui.player.hidden = false;
      ui.player.src = msg.audioSrc;
      void ui.player.play().catch(() => undefined);
    },
    transcript(msg: HostMessage<'transcript'>): void {
      if (msg.requestId !== transcribeRequest) return;
      transcribeRequest = undefined;
      ui.transcribe.disabled = false;
      ui.transcribe.textContent = l10n.t('Transcribe sample');
      const typed = form.value('transcript');
      if (msg.error !== undefined || msg.text === undefined) {
        form.showFieldError('transcript', msg.error ?? l10n.t('Transcription failed.'));
      } else if (!typed.trim() || typed === msg.text) {
        form.setValue('transcript', msg.text);
        form.commit();
        form.focus('transcript');
      } else {
        // Never overwrite what the user typed without asking.
        offeredTranscript = msg.text;
        ui.offerText.textContent = l10n.t('Transcript ready: “{0}”', msg.text.length > 120 ? `${msg.text.slice(0, 119)}…` : msg.text);
        ui.offer.hidden = false;
      }
    },
  };
}
