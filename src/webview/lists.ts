// The voices and the history as the library lists them, each row with its buttons; rows are kept by key.
import type { LibraryPreview, LibraryVoice, PreviewAction, VoiceAction } from '../shared/protocol';
import { byId, type HostMessage, type Panel } from './context';

/** A small button; every text goes in through textContent, so names and texts can never become markup. */
function actionButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary small';
  b.textContent = label;
  b.title = title;
  b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}

/** A row: its name, a line of details, its buttons. */
function row(name: string, meta: string, buttons: HTMLButtonElement[]): HTMLLIElement {
  const li = document.createElement('li');
  const nameEl = document.createElement('span');
  nameEl.className = 'name';
  nameEl.textContent = name;
  const metaEl = document.createElement('span');
  metaEl.className = 'meta';
  metaEl.textContent = meta;
  const buttonsEl = document.createElement('span');
  buttonsEl.className = 'buttons';
  buttonsEl.append(...buttons);
  li.append(nameEl, metaEl, buttonsEl);
  return li;
}

/**
 * Rows are kept by key while their content is unchanged, so a click never lands on a row that an update
 * (the library is posted after every save) is replacing at that moment.
 */
function keyedRows<T>(list: HTMLElement, items: T[], key: (item: T) => string, build: (item: T) => HTMLLIElement): void {
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) existing.set(li.dataset.key ?? '', li);
  const rows = items.map((item) => {
    const k = key(item);
    const kept = existing.get(k);
    if (kept) return kept;
    const li = build(item);
    li.dataset.key = k;
    return li;
  });
  const same = rows.length === list.children.length && rows.every((r, i) => list.children[i] === r);
  if (!same) list.replaceChildren(...rows);
}

export type Lists = ReturnType<typeof createLists>;

export function createLists(panel: Panel) {
  const ui = {
    activeVoice: byId('active-voice'),
    voices: byId('voice-list'),
    voicesEmpty: byId('voices-empty'),
    history: byId('history-list'),
    historyEmpty: byId('history-empty'),
  };

  function renderVoices(voices: LibraryVoice[], activeId: string, activeName: string): void {
    ui.activeVoice.textContent = `Speaking with: ${activeName}`;
    ui.voicesEmpty.hidden = voices.length > 0;
    const act = (action: VoiceAction, voiceId: string) => () => panel.post({ type: 'voiceAction', action, voiceId });
    keyedRows(
      ui.voices,
      voices,
      (v) => JSON.stringify([v, v.voiceId === activeId]),
      (v) => {
        const buttons = v.hasPreview ? [actionButton('Play', `Play the preview of ${v.name}`, act('play', v.voiceId))] : [];
        buttons.push(
          actionButton('Use', `Use ${v.name} for Speak Selection and Speak File`, act('use', v.voiceId)),
          actionButton('Copy id', `Copy the voice id of ${v.name}`, act('copy', v.voiceId)),
          actionButton('Rename', `Rename ${v.name} (local label)`, act('rename', v.voiceId)),
          actionButton('Remove', `Remove ${v.name} from this list (it stays at Novita)`, act('remove', v.voiceId)),
        );
        const li = row(v.name, (v.voiceId === activeId ? 'active · ' : '') + new Date(v.createdAt).toLocaleString(), buttons);
        li.dataset.voiceId = v.voiceId;
        li.classList.toggle('active', v.voiceId === activeId);
        return li;
      },
    );
  }

  function renderHistory(items: LibraryPreview[]): void {
    ui.historyEmpty.hidden = items.length > 0;
    const act = (action: PreviewAction, id: string) => () => panel.post({ type: 'previewAction', action, id });
    keyedRows(
      ui.history,
      items,
      (h) => JSON.stringify(h),
      (h) => {
        const flat = h.text.replace(/\s+/g, ' ').trim();
        const duration = h.durationSec !== undefined ? ` · ${h.durationSec.toFixed(1)} s` : '';
        const li = row(flat.length > 80 ? `${flat.slice(0, 79)}…` : flat || '(no text)', `${h.kind} · ${h.voiceName}${duration} · ${new Date(h.createdAt).toLocaleString()}`, [
          actionButton('Play', 'Play this preview', act('play', h.id)),
          actionButton('Save As…', 'Save this audio as a file', act('save', h.id)),
          actionButton('Reveal', 'Reveal the file in the file explorer', act('reveal', h.id)),
        ]);
        li.dataset.previewId = h.id;
        return li;
      },
    );
  }

  return {
    render(msg: HostMessage<'library'>): void {
      renderVoices(msg.voices, msg.activeVoiceId, msg.activeVoiceName);
      renderHistory(msg.history);
    },
  };
}
