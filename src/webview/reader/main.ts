// The read-along player (a webview view): plays chunks the moment they arrive while the rest render, gapless, on
// the Web Audio clock; tells the host which sentence is heard (for the editor's highlight); play/pause, previous,
// next, stop, speed and a sentence list to seek in. Audio runs here, in the client, so it works in code-server and
// Remote as on the desktop. This file wires the messages in and out: the audio clock is ./scheduler.ts, the
// playback ./playback.ts, the page ./view.ts.
import './player.css';
import type { FromPlayerMessage, ToPlayerMessage } from '../../shared/playerProtocol';
import { getVsCodeApi } from '../vscodeApi';
import { Playback } from './playback';
import { ReaderView } from './view';

const vscode = getVsCodeApi<{ rate?: number }, FromPlayerMessage>();
const post = (message: FromPlayerMessage) => vscode.postMessage(message);

const view = new ReaderView(
  {
    control: (action) => playback.control(action),
    seek: (sentence) => playback.seekSentence(sentence, 'seek'),
    speed: (rate) => {
      vscode.setState({ rate });
      playback.setRate(rate);
    },
  },
  vscode.getState()?.rate ?? 1,
);
const playback = new Playback(vscode.getState()?.rate ?? 1, view, post);

window.addEventListener('message', (event: MessageEvent<ToPlayerMessage>) => {
  const m = event.data;
  switch (m?.type) {
    case 'session':
      playback.onSession(m);
      break;
    case 'chunk':
      playback.onChunk(m);
      break;
    case 'piece':
      playback.onPiece(m);
      break;
    case 'end':
      playback.onEnd(m);
      break;
    case 'control':
      playback.hostControl(m.action, m.id);
      break;
    case 'status':
      playback.onStatus(m);
      break;
  }
});

playback.render();
post({ type: 'ready' });
