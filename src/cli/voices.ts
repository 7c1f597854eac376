// Which voices a run may use: Novita's system voices and the voices cloned into the CLI's registry (by id, name or
// label). Anything else is refused before a request is paid for.
import type { VoiceRegistry } from '../core/library/voiceRegistry';
import { isSystemVoice, SYSTEM_VOICES } from '../core/limits';
import { CliFailure, UsageError } from './problems';
import type { CliRuntime } from './runtime';

export interface ResolvedVoice {
  id: string;
  name: string;
}

export type VoiceResolver = (voice: string) => ResolvedVoice;

export function voiceResolver(registry: VoiceRegistry | undefined): VoiceResolver {
  const cloned = registry?.voices() ?? [];
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
