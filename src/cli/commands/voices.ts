// `glm-voice-clone voices`: the system voices and the voices cloned into the data folder (no key needed); with
// --remote also the voices at the provider (Zhipu), each marked as known here, there, or both; `voices delete
// <name|id>` deletes a voice at its provider and records that in the registry.
import { providerOf, type VoiceRecord } from '../../core/library/voiceRegistry';
import { SYSTEM_VOICES } from '../../core/limits';
import type { ProviderVoice } from '../../core/providers/port';
import type { L10n } from '../../messages/index';
import { clonedHeading, commandSummary, noClonedVoices, remoteHeading, remoteMark, voiceDeletedText, voicesHeading } from '../messages';
import { COMMON, commonOptions, flag, localOptions, type Parsed } from '../options';
import { CliFailure, UsageError } from '../problems';
import { reportFailure } from '../reporter';
import type { CliRuntime } from '../runtime';
import type { CliCommand } from './command';

const needsProvider = (p: Parsed) => flag(p, 'remote') || p.positionals[0] === 'delete';

export const voices: CliCommand = {
  usage: 'glm-voice-clone voices [--remote] [options] | glm-voice-clone voices delete NAME|ID [options]',
  summary: commandSummary.voices,
  options: { remote: { type: 'boolean' }, ...COMMON },
  positionals: true,
  // Only a look at the provider needs the key and the connection settings; the plain listing reads the folder.
  common: (command, p) => (needsProvider(p) ? commonOptions(command, p) : localOptions(command, p)),
  async run({ runtime, parsed: p, l10n, signal }) {
    const [sub, target, ...rest] = p.positionals;
    if (sub === 'delete') {
      if (!target || rest.length) throw new UsageError({ kind: 'missingOption', command: 'voices delete', option: 'NAME|ID' });
      return deleteVoice(runtime, target, l10n, signal);
    }
    if (sub !== undefined) throw new UsageError({ kind: 'badArguments', command: 'voices', detail: `“${sub}”?` });
    const registry = await runtime.registry();
    const cloned = registry.voices();
    let remote: ProviderVoice[] | undefined;
    if (flag(p, 'remote')) {
      try {
        remote = (await (await runtime.providers.provider(runtime.provider)).listVoices({ signal })).filter((v) => v.kind === 'cloned');
      } catch (err) {
        return reportFailure(runtime, l10n, err, signal);
      }
    }
    const here = cloned.filter((v) => !v.deletedAt && providerOf(v) === runtime.provider);
    const rows = remote && [
      ...remote.map((v) => ({ id: v.voiceId, name: here.find((h) => h.voiceId === v.voiceId)?.label ?? v.name, where: here.some((h) => h.voiceId === v.voiceId) ? ('both' as const) : ('remoteOnly' as const) })),
      ...here.filter((h) => !remote!.some((v) => v.voiceId === h.voiceId)).map((h) => ({ id: h.voiceId, name: h.label ?? h.name, where: 'localOnly' as const })),
    ];
    if (runtime.options.json) {
      for (const id of SYSTEM_VOICES) runtime.json({ kind: 'system', id, name: id });
      for (const v of cloned) runtime.json({ kind: 'cloned', id: v.voiceId, name: v.label ?? v.name, createdAt: v.createdAt, ...extra(v) });
      for (const r of rows ?? []) runtime.json({ kind: 'remote', provider: runtime.provider, ...r });
      return 0;
    }
    runtime.out(voicesHeading(l10n));
    for (const id of SYSTEM_VOICES) runtime.out(`  ${id}`);
    runtime.out(clonedHeading(runtime.dataDir, l10n));
    if (!cloned.length) runtime.out(`  ${noClonedVoices(l10n)}`);
    for (const v of cloned) runtime.out(`  ${v.label ?? v.name}  ${v.voiceId}${tag(v)}`);
    if (rows) {
      runtime.out(remoteHeading(runtime.provider, l10n));
      for (const r of rows) runtime.out(`  ${r.name}  ${r.id}  ${remoteMark(r.where, runtime.provider, l10n)}`);
    }
    return 0;
  },
};

/** What a Novita record (every record before Zhipu) never shows, so its line stays as it was. */
function extra(v: VoiceRecord): Record<string, string> {
  return { ...(v.provider && v.provider !== 'novita' ? { provider: v.provider } : {}), ...(v.deletedAt ? { deletedAt: v.deletedAt } : {}) };
}

function tag(v: VoiceRecord): string {
  const e = extra(v);
  const parts = [e.provider, e.deletedAt && `deleted ${e.deletedAt.slice(0, 10)}`].filter(Boolean);
  return parts.length ? `  (${parts.join(', ')})` : '';
}

/** Deletes `target` (a recorded voice's name, label or id; else a voice id or name at the chosen provider). */
async function deleteVoice(runtime: CliRuntime, target: string, l10n: L10n, signal: AbortSignal): Promise<number> {
  const registry = await runtime.registry();
  const live = registry.voices().filter((v) => !v.deletedAt);
  const rec = live.find((v) => v.voiceId === target) ?? live.find((v) => v.name === target) ?? live.find((v) => v.label === target);
  const providerId = rec ? providerOf(rec) : runtime.provider;
  try {
    const provider = await runtime.providers.provider(providerId);
    let voiceId = rec?.voiceId;
    let name = rec ? (rec.label ?? rec.name) : target;
    if (!voiceId) {
      const remote = (await provider.listVoices({ signal })).filter((v) => v.kind === 'cloned');
      const hit = remote.find((v) => v.voiceId === target) ?? remote.find((v) => v.name === target);
      if (!hit) throw new CliFailure({ kind: 'unknownVoice', voice: target, known: [...live.filter((v) => providerOf(v) === providerId).map((v) => v.label ?? v.name), ...remote.map((v) => v.name)] });
      voiceId = hit.voiceId;
      name = hit.name;
    }
    await provider.deleteVoice(voiceId, { signal });
    await registry.markDeleted(voiceId);
    if (runtime.options.json) runtime.json({ event: 'deleted', id: voiceId, name, provider: providerId });
    else runtime.out(voiceDeletedText({ name, voiceId, provider: providerId }, l10n));
    return 0;
  } catch (err) {
    return reportFailure(runtime, l10n, err, signal);
  }
}
