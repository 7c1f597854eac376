// The preview: its <audio> (a new preview swaps in a fresh element once it can play), playing from memory
// (data: or blob: URLs), the playback speed, and the result section around it (voice id, copy, elapsed time).
import type { PreviewInfo } from '../shared/protocol';
import { byId, type Panel } from './context';
import { announce, l10n } from './l10n';
import type { Hold } from './hold';

/** The longest a loading preview holds the panel's other updates back. */
const LOAD_HOLD_MS = 1500;

/**
 * Up to this size a preview plays from a data: URL, read in this process; a blob: URL goes through the browser's
 * blob store first. Only where the engine encodes base64 natively (Chromium 140+): in script it costs more than it saves.
 */
const DATA_URL_MAX = 2 * 1024 * 1024;

function memoryUrl(bytes: Uint8Array, mimeType: string): string {
  const toBase64 = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (typeof toBase64 === 'function' && bytes.length <= DATA_URL_MAX) return `data:${mimeType};base64,${toBase64.call(bytes)}`;
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }));
}

export type Player = ReturnType<typeof createPlayer>;

export function createPlayer(panel: Panel, hold: Hold) {
  const { state } = panel;
  const ui = { result: byId('result'), speed: byId<HTMLSelectElement>('speed'), voiceId: byId('voiceId'), elapsed: byId('elapsed') };
  let player = byId<HTMLAudioElement>('player');
  let blobUrl: string | undefined;
  let incoming: { el: HTMLAudioElement; settle: () => void } | undefined;

  /**
   * A new preview loads in an <audio> of its own, off the page, and takes the player's place once it can play (or
   * fails, or after LOAD_HOLD_MS). Meanwhile the panel holds back its other updates (the result's text, the messages
   * that follow the result): the page and the media pipeline share one thread here, and every layout they cause
   * delays the sound. A fresh element also skips tearing down the previous preview's pipeline first.
   */
  function load(src: string, autoplay: boolean, then: () => void): void {
    incoming?.settle();
    // a new element with the player's attributes (a clone would start loading the old source first)
    const next = document.createElement('audio');
    for (const { name, value } of Array.from(player.attributes)) if (name !== 'src') next.setAttribute(name, value);
    const newBlob = src.startsWith('blob:') ? src : undefined;
    next.src = src;
    // loading resets the rate: set after the source
    next.defaultPlaybackRate = next.playbackRate = state.playbackRate ?? 1;
    if (autoplay) void next.play().catch(() => undefined);
    const events = ['canplay', 'error'] as const;
    const settle = () => {
      if (incoming?.el !== next) return;
      incoming = undefined;
      clearTimeout(timer);
      for (const e of events) next.removeEventListener(e, settle);
      const old = player;
      const hadFocus = document.activeElement === old;
      old.pause();
      old.replaceWith(next);
      const oldBlob = blobUrl !== newBlob ? blobUrl : undefined;
      blobUrl = newBlob;
      player = next;
      if (hadFocus) next.focus();
      hold.release(() => {
        old.removeAttribute('src');
        old.load(); // lets go of the old pipeline now rather than at garbage collection
        if (oldBlob) URL.revokeObjectURL(oldBlob);
      }, then);
    };
    const timer = setTimeout(settle, LOAD_HOLD_MS);
    for (const e of events) next.addEventListener(e, settle);
    incoming = { el: next, settle };
    hold.begin();
  }

  function show(preview: PreviewInfo | undefined, autoplay = false, inline?: { bytes: Uint8Array; mimeType?: string }): void {
    state.preview = preview;
    const render = () => {
      panel.save();
      ui.result.hidden = !preview;
      if (!preview) return;
      ui.voiceId.textContent = preview.voiceId;
      ui.elapsed.textContent = preview.elapsedMs > 0 ? l10n.t('“{0}” cloned in {1} s.', preview.voiceName, (preview.elapsedMs / 1000).toFixed(1)) : `“${preview.voiceName}”`;
      if (autoplay) {
        announce(preview.elapsedMs > 0 ? l10n.t('“{0}” cloned; its preview is playing.', preview.voiceName) : l10n.t('Playing “{0}”.', preview.voiceName));
        // after a clone the keyboard lands on the player (Space pauses, arrows seek), unless the user moved on
        if (preview.elapsedMs > 0 && (document.activeElement === document.body || document.activeElement?.id === 'clone' || document.activeElement?.closest('#clone-form'))) player.focus();
      }
    };
    if (!preview) return render();
    if (inline) {
      // The bytes came with the result: play from memory instead of waiting for a resource load.
      load(memoryUrl(inline.bytes, inline.mimeType ?? 'audio/wav'), autoplay, render);
    } else if (player.getAttribute('src') !== preview.audioSrc) {
      load(preview.audioSrc, autoplay, render);
    } else {
      render();
      player.playbackRate = state.playbackRate ?? 1;
      if (autoplay) void player.play().catch(() => undefined);
    }
  }

  byId('copy').addEventListener('click', () => {
    if (!state.preview) return;
    panel.post({ type: 'copyVoiceId', voiceId: state.preview.voiceId });
    announce(l10n.t('Voice id copied.'));
  });

  ui.speed.addEventListener('change', () => {
    state.playbackRate = Number(ui.speed.value) || 1;
    for (const p of [player, incoming?.el]) if (p) p.defaultPlaybackRate = p.playbackRate = state.playbackRate;
    panel.save();
  });

  return {
    show,
    /** The speed and the last preview's id as saved; its audio comes back from the host (`ready` names its file). */
    restore(): void {
      ui.speed.value = String(state.playbackRate ?? 1);
      if (state.preview) {
        ui.result.hidden = false;
        ui.voiceId.textContent = state.preview.voiceId;
      }
    },
  };
}
