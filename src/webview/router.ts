// The host's messages, each handed to the module it concerns; while a new preview loads, all but the next preview
// wait (see `createHold` in hold.ts).
import type { ToWebviewMessage } from '../shared/protocol';
import type { HostMessage } from './context';
import type { Form } from './form';
import type { Hold } from './hold';
import type { Lists } from './lists';
import type { Player } from './player';
import type { SampleChecker } from './sampleCheck';

export interface Modules {
  hold: Hold;
  form: Form;
  sample: SampleChecker;
  player: Player;
  lists: Lists;
  /** The webview kept a state of its own: the host's draft does not replace it. */
  restored: boolean;
}

/** One handler a message type: the compiler checks that every type the host sends has one. */
type Handlers = { [K in ToWebviewMessage['type']]: (msg: HostMessage<K>) => void };

function handlers({ hold, form, sample, player, lists, restored }: Modules): Handlers {
  return {
    init(msg) {
      form.setUsedNames(msg.usedNames);
      if (!restored && msg.draft && form.isBlank()) {
        form.load(msg.draft, msg.sampleFile);
        sample.schedule();
      }
      form.fillName(msg.proposedName);
      form.checkName();
      document.body.dataset.ready = 'true';
    },
    prefill(msg) {
      form.load(msg.form, msg.sampleFile);
      sample.schedule();
      form.clearMessages();
    },
    cloneStarted: (msg) => form.started(msg.requestId),
    cloneProgress: (msg) => form.progress(msg.requestId, msg.message),
    cloneResult(msg) {
      player.show(msg.preview, msg.autoplay, msg.bytes instanceof Uint8Array ? { bytes: msg.bytes, mimeType: msg.mimeType } : undefined);
      form.addUsedNames([msg.preview.voiceName]);
      form.resetConsent();
      const { next, finished, requestId } = msg;
      hold.whenSettled(() => {
        if (next) form.proposeNext(next.name, next.usedNames);
        if (finished) form.finished(requestId);
      });
    },
    cloneError: (msg) => form.failed(msg),
    cloneFinished: (msg) => form.finished(msg.requestId),
    preview: (msg) => player.show(msg.preview, msg.autoplay),
    sampleInfo: (msg) => sample.info(msg.check),
    sampleFile: (msg) => sample.file(msg),
    samplePlayback: (msg) => sample.playback(msg),
    transcript: (msg) => sample.transcript(msg),
    library(msg) {
      form.addUsedNames(msg.voices.map((v) => v.name));
      form.setConsentedSamples(msg.consentedSamples);
      lists.render(msg);
    },
    nameProposal: (msg) => form.proposeNext(msg.name, msg.usedNames),
    keyState: (msg) => form.keyState(msg.hasKey),
  };
}

export function listen(modules: Modules): void {
  const table = handlers(modules);
  const handle = (msg: ToWebviewMessage) => {
    // a type this panel does not know is ignored, as a switch would
    if (Object.hasOwn(table, msg.type)) (table[msg.type] as (m: ToWebviewMessage) => void)(msg);
  };
  window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
    const msg = event.data;
    // a new preview replaces the one loading; anything else waits until it can play
    if (msg.type === 'cloneResult' || msg.type === 'preview') handle(msg);
    else modules.hold.whenSettled(() => handle(msg));
  });
}
