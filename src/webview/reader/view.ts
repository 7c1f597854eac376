// The player's page: the buttons, the speed, the position and "k of n ready" lines, the error, and the sentence list
// to seek in (every control a button or a select: keyboard first). Words through the page's translation table
// (../l10n.ts), as the host embeds it.
import type { PlayerControl, PlayerState } from '../../shared/playerProtocol';
import { l10n } from '../l10n';

export interface ViewHandlers {
  control(action: PlayerControl): void;
  /** A sentence chosen in the list. */
  seek(sentence: number): void;
  /** A speed chosen. */
  speed(rate: number): void;
}

/** What the page shows of the playback. */
export interface ViewSnapshot {
  state: PlayerState;
  session: number;
  current: number;
  first: number;
  sentences: number;
  /** The audio clock's own state ("running 12.34", "none"). */
  audio: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class ReaderView {
  private readonly ui = {
    title: $('title'),
    toggle: $<HTMLButtonElement>('toggle'),
    previous: $<HTMLButtonElement>('previous'),
    next: $<HTMLButtonElement>('next'),
    stop: $<HTMLButtonElement>('stop'),
    speed: $<HTMLSelectElement>('speed'),
    position: $('position'),
    rendered: $('rendered'),
    error: $('error'),
    list: $<HTMLOListElement>('sentences'),
  };
  private listBuilt = false;
  /** The sentence marked current in the list (-2: none yet). */
  private shown = -2;

  constructor(handlers: ViewHandlers, rate: number) {
    const ui = this.ui;
    ui.toggle.addEventListener('click', () => handlers.control('toggle'));
    ui.previous.addEventListener('click', () => handlers.control('previous'));
    ui.next.addEventListener('click', () => handlers.control('next'));
    ui.stop.addEventListener('click', () => handlers.control('stop'));
    ui.list.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLElement>('button.sentence');
      if (button) handlers.seek(Number(button.dataset.index));
    });
    ui.speed.value = String(rate);
    ui.speed.addEventListener('change', () => handlers.speed(Number(ui.speed.value) || 1));
  }

  /** A new session: its title, no error, no progress, no list yet. */
  reset(title: string): void {
    this.ui.title.textContent = title;
    this.ui.error.hidden = true;
    this.ui.rendered.textContent = '';
    this.listBuilt = false;
    this.ui.list.replaceChildren();
  }

  showError(message: string): void {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
  }

  showRendered(text: string): void {
    this.ui.rendered.textContent = text;
  }

  /** The sentence list, built once the first sound is scheduled: a long file's list must not delay it. */
  buildList(sentences: readonly string[]): void {
    if (this.listBuilt) return;
    this.listBuilt = true;
    this.shown = -2;
    const items = sentences.map((text, i) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sentence';
      button.textContent = text;
      button.dataset.index = String(i);
      li.append(button);
      return li;
    });
    this.ui.list.replaceChildren(...items);
  }

  render(s: ViewSnapshot): void {
    const ui = this.ui;
    const playing = s.state === 'playing' || s.state === 'waiting';
    ui.toggle.textContent = playing ? l10n.t('Pause') : l10n.t('Play');
    ui.toggle.setAttribute('aria-pressed', String(playing));
    document.body.dataset.state = s.state;
    document.body.dataset.session = String(s.session);
    document.body.dataset.sentence = String(s.current);
    document.body.dataset.first = String(s.first);
    // the audio clock's own state, so a test (and a curious user in devtools) can tell sound from a stuck clock
    document.body.dataset.audio = s.audio;
    const n = s.sentences;
    ui.position.textContent = n ? l10n.t('Sentence {0} of {1}', Math.max(1, s.current + 1), n) : '';
    if (s.state === 'waiting') ui.position.textContent += ` · ${l10n.t('waiting for the next chunk…')}`;
    else if (s.state === 'ended') ui.position.textContent += ` · ${l10n.t('finished')}`;
    for (const b of [ui.toggle, ui.previous, ui.next, ui.stop]) b.disabled = s.session < 0;
    if (this.shown !== s.current) {
      ui.list.querySelector('[aria-current]')?.removeAttribute('aria-current');
      const button = ui.list.querySelector<HTMLElement>(`button[data-index="${s.current}"]`);
      if (button) {
        button.setAttribute('aria-current', 'true');
        button.scrollIntoView({ block: 'nearest' });
      }
      this.shown = s.current;
    }
  }
}
