// The voices and the history as the library lists them, each row with its codicon buttons; rows are kept by key.
// Keyboard: each list is one Tab stop (roving tabindex); ←/→ move between a row's buttons, ↑/↓ between rows,
// Home/End to the first/last row; Enter or Space presses the button. Every button has an accessible name.
import type { LibraryPreview, LibraryVoice, PreviewAction, VoiceAction } from '../shared/protocol';
import { byId, type HostMessage, type Panel } from './context';
import { announce, l10n } from './l10n';

/** An icon button; its name (aria-label and tooltip) goes in as text, so names and texts can never become markup. */
function iconButton(icon: string, name: string, onClick: () => void, action: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'icon';
  b.dataset.action = action;
  b.title = name;
  b.setAttribute('aria-label', name);
  b.tabIndex = -1;
  const glyph = document.createElement('span');
  glyph.className = `codicon codicon-${icon}`;
  glyph.setAttribute('aria-hidden', 'true');
  b.append(glyph);
  b.addEventListener('click', onClick);
  return b;
}

/** A small icon with a name for screen readers (the consent or watermark mark in a row's details). */
function badge(icon: string, name: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = `badge codicon codicon-${icon}`;
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', name);
  el.title = name;
  return el;
}

/** A row: its name, a line of details, its buttons (a toolbar named after the row). */
function row(name: string, meta: (string | HTMLElement)[], buttons: HTMLButtonElement[]): HTMLLIElement {
  const li = document.createElement('li');
  const nameEl = document.createElement('span');
  nameEl.className = 'name';
  nameEl.textContent = name;
  const metaEl = document.createElement('span');
  metaEl.className = 'meta';
  metaEl.append(...meta);
  const buttonsEl = document.createElement('span');
  buttonsEl.className = 'buttons';
  buttonsEl.setAttribute('role', 'toolbar');
  buttonsEl.setAttribute('aria-label', name);
  buttonsEl.append(...buttons);
  li.append(nameEl, metaEl, buttonsEl);
  return li;
}

const buttonsOf = (li: Element) => Array.from(li.querySelectorAll<HTMLButtonElement>('button'));

/** One button of the list is in the Tab order: the last one focused, else the first row's first. */
function keepOneTabStop(list: HTMLElement, preferred?: HTMLButtonElement): void {
  const all = Array.from(list.querySelectorAll<HTMLButtonElement>('button'));
  const stop = preferred && all.includes(preferred) ? preferred : (all.find((b) => b.tabIndex === 0) ?? all[0]);
  for (const b of all) b.tabIndex = b === stop ? 0 : -1;
}

function arrowKeys(list: HTMLElement): void {
  list.addEventListener('keydown', (e) => {
    const button = (e.target as HTMLElement).closest('button');
    const li = button?.closest('li');
    if (!button || !li) return;
    const rows = Array.from(list.children);
    const r = rows.indexOf(li);
    const inRow = buttonsOf(li);
    const c = inRow.indexOf(button);
    let target: HTMLButtonElement | undefined;
    const at = (rowIndex: number) => {
      const buttons = buttonsOf(rows[rowIndex]);
      return buttons[Math.min(c, buttons.length - 1)];
    };
    if (e.key === 'ArrowRight') target = inRow[(c + 1) % inRow.length];
    else if (e.key === 'ArrowLeft') target = inRow[(c - 1 + inRow.length) % inRow.length];
    else if (e.key === 'ArrowDown' && r < rows.length - 1) target = at(r + 1);
    else if (e.key === 'ArrowUp' && r > 0) target = at(r - 1);
    else if (e.key === 'Home') target = at(0);
    else if (e.key === 'End') target = at(rows.length - 1);
    else return;
    e.preventDefault();
    if (!target) return;
    keepOneTabStop(list, target);
    target.focus();
  });
  list.addEventListener('focusin', (e) => {
    const b = (e.target as HTMLElement).closest('button');
    if (b) keepOneTabStop(list, b);
  });
}

/**
 * Rows are kept by key while their content is unchanged, so a click never lands on a row that an update
 * (the library is posted after every save) is replacing at that moment. When the focused row goes (removed), the
 * focus moves to the row now in its place, else to the list's heading: it is never lost to the page.
 */
function keyedRows<T>(list: HTMLElement, heading: HTMLElement, items: T[], key: (item: T) => string, build: (item: T) => HTMLLIElement): void {
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) existing.set(li.dataset.key ?? '', li);
  const focused = document.activeElement?.closest('li');
  const focusedIndex = focused && focused.parentElement === list ? Array.from(list.children).indexOf(focused) : -1;
  const focusedAction = (document.activeElement as HTMLElement | null)?.dataset?.action;
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
  keepOneTabStop(list);
  if (focusedIndex >= 0 && focused && !rows.includes(focused as HTMLLIElement)) {
    const next = rows[Math.min(focusedIndex, rows.length - 1)];
    const target = next && (buttonsOf(next).find((b) => b.dataset.action === focusedAction) ?? buttonsOf(next)[0]);
    if (target) {
      keepOneTabStop(list, target);
      target.focus();
    } else heading.focus();
  }
}

export type Lists = ReturnType<typeof createLists>;

export function createLists(panel: Panel) {
  const ui = {
    activeVoice: byId('active-voice'),
    voices: byId('voice-list'),
    voicesTitle: byId('voices-title'),
    voicesEmpty: byId('voices-empty'),
    history: byId('history-list'),
    historyTitle: byId('history-title'),
    historyEmpty: byId('history-empty'),
  };
  // headings take the focus when the last row of their list goes
  ui.voicesTitle.tabIndex = -1;
  ui.historyTitle.tabIndex = -1;
  arrowKeys(ui.voices);
  arrowKeys(ui.history);

  const when = (iso: string) => new Date(iso).toLocaleString();

  function renderVoices(voices: LibraryVoice[], activeId: string, activeName: string): void {
    ui.activeVoice.textContent = l10n.t('Speaking with: {0}', activeName);
    ui.voicesEmpty.hidden = voices.length > 0;
    const act = (action: VoiceAction, voiceId: string, said?: string) => () => {
      panel.post({ type: 'voiceAction', action, voiceId });
      if (said) announce(said);
    };
    keyedRows(
      ui.voices,
      ui.voicesTitle,
      voices,
      (v) => JSON.stringify([v, v.voiceId === activeId]),
      (v) => {
        const buttons = v.hasPreview ? [iconButton('play', l10n.t('Play the preview of {0}', v.name), act('play', v.voiceId), 'play')] : [];
        buttons.push(
          iconButton('check', l10n.t('Use {0} for Speak Selection and Speak File', v.name), act('use', v.voiceId, l10n.t('Speaking with: {0}', v.name)), 'use'),
          iconButton('copy', l10n.t('Copy the voice id of {0}', v.name), act('copy', v.voiceId, l10n.t('Voice id copied.')), 'copy'),
          iconButton('edit', l10n.t('Rename {0} (local label)', v.name), act('rename', v.voiceId), 'rename'),
          iconButton('trash', l10n.t('Remove {0} from this list (it stays at Novita)', v.name), act('remove', v.voiceId), 'remove'),
        );
        const meta: (string | HTMLElement)[] = [(v.voiceId === activeId ? l10n.t('active · ') : '') + when(v.createdAt)];
        meta.push(' ', v.consentAt ? badge('pass', l10n.t('Right to clone confirmed {0}', when(v.consentAt))) : badge('circle-slash', l10n.t('No consent recorded (cloned before consent was asked)')));
        const li = row(v.name, meta, buttons);
        li.dataset.voiceId = v.voiceId;
        li.classList.toggle('active', v.voiceId === activeId);
        return li;
      },
    );
  }

  function kindText(kind: LibraryPreview['kind']): string {
    return kind === 'clone' ? l10n.t('clone preview') : kind === 'speech' ? l10n.t('speech') : l10n.t('narration');
  }

  function renderHistory(items: LibraryPreview[]): void {
    ui.historyEmpty.hidden = items.length > 0;
    const act = (action: PreviewAction, id: string) => () => panel.post({ type: 'previewAction', action, id });
    keyedRows(
      ui.history,
      ui.historyTitle,
      items,
      (h) => JSON.stringify(h),
      (h) => {
        const flat = h.text.replace(/\s+/g, ' ').trim();
        const name = flat.length > 80 ? `${flat.slice(0, 79)}…` : flat || l10n.t('(no text)');
        const duration = h.durationSec !== undefined ? ` · ${h.durationSec.toFixed(1)} s` : '';
        const meta: (string | HTMLElement)[] = [`${kindText(h.kind)} · ${h.voiceName}${duration} · ${when(h.createdAt)}`];
        if (h.watermark !== undefined) meta.push(' ', h.watermark ? badge('shield', l10n.t('With Novita’s watermark')) : badge('circle-large-outline', l10n.t('Without watermark (requested)')));
        const li = row(name, meta, [
          iconButton('play', l10n.t('Play “{0}”', name), act('play', h.id), 'play'),
          iconButton('save', l10n.t('Save “{0}” as a file', name), act('save', h.id), 'save'),
          iconButton('folder-opened', l10n.t('Reveal the file of “{0}” in the file explorer', name), act('reveal', h.id), 'reveal'),
          iconButton('trash', l10n.t('Remove “{0}” from the history', name), act('remove', h.id), 'remove'),
        ]);
        li.dataset.previewId = h.id;
        if (h.watermark !== undefined) li.dataset.watermark = String(h.watermark);
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
