// Which voices a run may use: Novita's system voices and the voices cloned into the CLI's registry (by id, name or
// label). Anything else is refused before a request is paid for.
import { providerOf, type VoiceRegistry } from '../core/library/voiceRegistry';
import type { ProviderId } from '../core/providers/port';
import { isSystemVoice, SYSTEM_VOICES } from '../core/limits';
import { CliFailure, UsageError } from './problems';
import type { CliRuntime } from './runtime';

export interface ResolvedVoice {
  id: string;
  name: string;
}

export type VoiceResolver = (voice: string) => ResolvedVoice;

export function voiceResolver(registry: VoiceRegistry | undefined): VoiceResolver {
  // A voice deleted at its provider cannot speak any more: it is not offered.
  const cloned = (registry?.voices() ?? []).filter((v) => !v.deletedAt);
  return (voice) => {
    const wanted = voice.trim();
    if (isSystemVoice(wanted)) return { id: wanted, name: wanted };
    const hit = cloned.find((v) => v.voiceId === wanted) ?? cloned.find((v) => v.name === wanted) ?? cloned.find((v) => v.label === wanted);
    if (hit) return { id: hit.voiceId, name: hit.label ?? hit.name };
    throw new CliFailure({ kind: 'unknownVoice', voice: wanted, known: [...SYSTEM_VOICES, ...cloned.map((v) => v.label ?? v.name)] });
  };
}

/** The --voice of a command, checked at once: an unknown voice is a usage error (exit 2), nothing is sent. */
export async function checkedResolver(runtime: CliRuntime, voice: string): Promise<VoiceResolver> {
  const resolve = voiceResolver(await runtime.registry());
  try {
    resolve(voice);
  } catch (err) {
    if (err instanceof CliFailure) throw new UsageError(err.problem);
    throw err;
  }
  return resolve;
}

/**
 * Which provider speaks a voice id: a cloned voice's own (old records: Novita), a system voice the run's --provider.
 * For the synthesizer's `providerOf`.
 */
export function providerRouter(registry: VoiceRegistry, fallback: ProviderId): (voiceId: string) => ProviderId {
  return (voiceId) => {
    const rec = registry.voice(voiceId);
    return rec ? providerOf(rec) : isSystemVoice(voiceId) ? fallback : 'novita';
  };
}
