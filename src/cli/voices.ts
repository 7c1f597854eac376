// Which voices a run may use: Novita's system voices and the voices cloned into the CLI's registry (by id, name or
// label). Anything else is refused before a request is paid for.
import type { VoiceRegistry } from '../core/library/voiceRegistry';
import { isSystemVoice, SYSTEM_VOICES } from '../core/limits';
import { CliFailure } from './problems';

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
