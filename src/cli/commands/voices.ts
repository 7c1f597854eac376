// `glm-voice-clone voices`: the system voices and the voices cloned into the data folder (no key needed).
import { SYSTEM_VOICES } from '../../core/limits';
import { clonedHeading, commandSummary, noClonedVoices, voicesHeading } from '../messages';
import { COMMON, localOptions } from '../options';
import type { CliCommand } from './command';

export const voices: CliCommand = {
  usage: 'glm-voice-clone voices [options]',
  summary: commandSummary.voices,
  options: { 'data-dir': COMMON['data-dir'], json: COMMON.json, help: COMMON.help },
  positionals: false,
  common: localOptions,
  async run({ runtime, l10n }) {
    const registry = await runtime.registry();
    const cloned = registry.voices();
    if (runtime.options.json) {
      for (const id of SYSTEM_VOICES) runtime.json({ kind: 'system', id, name: id });
      for (const v of cloned) runtime.json({ kind: 'cloned', id: v.voiceId, name: v.label ?? v.name, createdAt: v.createdAt });
      return 0;
    }
    runtime.out(voicesHeading(l10n));
    for (const id of SYSTEM_VOICES) runtime.out(`  ${id}`);
    runtime.out(clonedHeading(runtime.dataDir, l10n));
    if (!cloned.length) runtime.out(`  ${noClonedVoices(l10n)}`);
    for (const v of cloned) runtime.out(`  ${v.label ?? v.name}  ${v.voiceId}`);
    return 0;
  },
};
