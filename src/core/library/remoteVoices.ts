// The library as the user sees it: the voices recorded here beside those a provider lists (Zhipu's `/voice/list`),
// each marked with where it is known: in both places, only here (deleted elsewhere), only there (cloned elsewhere
// or before this record), deleted at the provider from here, or not checked (no list for its provider).
import type { ProviderId, ProviderVoice } from '../providers/port';
import { providerOf, type VoiceRecord } from './voiceRegistry';

/** Where a recorded voice stands against its provider's list. */
export type RecordedPlace = 'both' | 'localOnly' | 'deleted' | 'unchecked';

export type LibraryVoice = { kind: 'recorded'; voice: VoiceRecord; place: RecordedPlace } | { kind: 'remoteOnly'; voice: ProviderVoice; provider: ProviderId };

/** One provider's cloned voices as listed just now. */
export interface RemoteList {
  provider: ProviderId;
  voices: readonly ProviderVoice[];
}

/**
 * The recorded voices (newest first) with their place, then the provider's cloned voices no record names (newest
 * first). A record is checked only against the list of its own provider; system voices in a list are left out.
 */
export function mergeVoiceLists(local: readonly VoiceRecord[], remote: RemoteList | undefined): LibraryVoice[] {
  const listed = new Map<string, ProviderVoice>();
  for (const v of remote?.voices ?? []) if (v.kind === 'cloned') listed.set(v.voiceId, v);
  const recorded: LibraryVoice[] = [...local]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((voice) => ({ kind: 'recorded', voice, place: placeOf(voice, remote, listed) }));
  const known = new Set(local.filter((v) => remote && providerOf(v) === remote.provider).map((v) => v.voiceId));
  const only: LibraryVoice[] = [...listed.values()]
    .filter((v) => !known.has(v.voiceId))
    .sort((a, b) => remoteTime(b) - remoteTime(a))
    .map((voice) => ({ kind: 'remoteOnly', voice, provider: remote!.provider }));
  return [...recorded, ...only];
}

function placeOf(v: VoiceRecord, remote: RemoteList | undefined, listed: ReadonlyMap<string, ProviderVoice>): RecordedPlace {
  if (!remote || providerOf(v) !== remote.provider) return v.deletedAt ? 'deleted' : 'unchecked';
  // Listed wins over a recorded deletion: the voice still speaks.
  if (listed.has(v.voiceId)) return 'both';
  return v.deletedAt ? 'deleted' : 'localOnly';
}

function remoteTime(v: ProviderVoice): number {
  const t = v.createdAt ? providerTime(v.createdAt) : undefined;
  return t ?? 0;
}

/** Zhipu's `"YYYY-MM-DD HH:MM:SS"` (or any date Date.parse reads) as epoch ms; undefined when unreadable. */
export function providerTime(s: string): number | undefined {
  const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(s) ? s.replace(' ', 'T') : s);
  return Number.isNaN(t) ? undefined : t;
}

/** The record for a voice found only at its provider, written when it is first used here (so it is spoken there). */
export function recordForRemote(v: ProviderVoice, provider: ProviderId, now = new Date()): VoiceRecord {
  const t = v.createdAt ? providerTime(v.createdAt) : undefined;
  return { voiceId: v.voiceId, name: v.name || v.voiceId, sampleUrl: '', createdAt: new Date(t ?? now.getTime()).toISOString(), provider };
}
