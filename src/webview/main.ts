// The panel's script: builds its modules, hands each what it needs, restores what was typed and tells the host it is
// ready. What the user typed is persisted with setState on every keystroke (hiding, closing or reloading loses
// nothing); the panel talks to the host only through the typed protocol (src/shared/protocol.ts).
//   form         the four fields, the draft, validation, submit/cancel, the busy look, the name check
//   sampleCheck  the sample URL's live check, playing the sample, the transcript offer
//   player       the preview's <audio> and the result section
//   lists        the voices and the history
//   router       the host's messages to the modules, held back while a preview loads (hold)
import '@vscode/codicons/dist/codicon.css';
import './panel.css';
import { createPanel } from './context';
import { createForm } from './form';
import { createLists } from './lists';
import { createPlayer } from './player';
import { createHold } from './hold';
import { listen } from './router';
import { createSampleCheck } from './sampleCheck';
import { getVsCodeApi } from './vscodeApi';

const { panel, restored } = createPanel(getVsCodeApi());
const hold = createHold();
const form = createForm(panel);
const sample = createSampleCheck(panel, form);
form.onEdit((field) => sample.edited(field));
const player = createPlayer(panel, hold);
const lists = createLists(panel);
listen({ hold, form, sample, player, lists, restored });

// Restore before telling the host we are ready, so nothing typed is ever replaced by a default.
form.write(panel.state.form);
form.showSampleFile(panel.state.sampleFile);
sample.schedule();
player.restore();
form.setBusy(undefined);
panel.post({ type: 'ready', previewFile: panel.state.preview?.file });
