// Set API Key and Clear API Key, for either provider: a quick pick says which provider has a key (stored, or from
// the environment) without ever showing it; the key goes to SecretStorage under that provider's own entry.
import vscode = require('vscode');
import { isProviderId, PROVIDER_IDS, type ProviderId } from '../../core/providers/port';
import type { ApiKeyStore } from '../platform/apiKey';
import { l10n } from '../platform/describe';

function providerLabel(p: ProviderId): string {
  return p === 'zhipu' ? l10n.t('Zhipu (bigmodel.cn)') : l10n.t('Novita (novita.ai)');
}

function keyState(where: 'stored' | 'environment' | undefined, p: ProviderId): string {
  if (where === 'stored') return l10n.t('$(key) key set');
  if (where === 'environment') return l10n.t('$(key) key from {0}', p === 'zhipu' ? 'ZHIPU_API_KEY' : 'NOVITA_API_KEY');
  return l10n.t('no key');
}

/** Asks which provider's key to set or clear; `only` keeps the providers worth offering (clear: those with one stored). */
async function pickProvider(keys: ApiKeyStore, title: string, only?: (where: 'stored' | 'environment' | undefined) => boolean): Promise<ProviderId | undefined> {
  const items: (vscode.QuickPickItem & { provider: ProviderId })[] = [];
  for (const provider of PROVIDER_IDS) {
    const where = await keys.whereIs(provider).catch(() => undefined);
    if (only && !only(where)) continue;
    items.push({ label: providerLabel(provider), description: keyState(where, provider), provider });
  }
  if (!items.length) return undefined;
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: l10n.t('Which provider’s API key?') });
  return pick?.provider;
}

/**
 * `glmVoiceClone.setApiKey`: a string argument stores that key without a prompt (scripts, tests), for the provider
 * named second (default Novita); a provider id alone asks for its key; nothing asks which provider, then the key.
 */
export async function setApiKey(keys: ApiKeyStore, given?: unknown, forProvider?: unknown): Promise<boolean> {
  let provider: ProviderId | undefined;
  let key: string | undefined;
  if (typeof given === 'string' && given.trim() && !isProviderId(given)) {
    provider = isProviderId(forProvider) ? forProvider : 'novita';
    await keys.storeFor(provider, given);
    key = given;
  } else {
    provider = isProviderId(given) ? given : await pickProvider(keys, l10n.t('GLM Voice Clone: Set API Key'));
    if (!provider) return false;
    key = await keys.prompt(undefined, provider);
  }
  if (key) void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: {0} API key saved in VS Code’s secret storage.', provider === 'zhipu' ? 'Zhipu' : 'Novita'));
  return Boolean(key);
}

/** `glmVoiceClone.clearApiKey`: asks which stored key to remove when both providers have one (a provider id argument says it). */
export async function clearApiKey(keys: ApiKeyStore, given?: unknown): Promise<boolean> {
  const stored: ProviderId[] = [];
  for (const p of PROVIDER_IDS) if ((await keys.whereIs(p).catch(() => undefined)) === 'stored') stored.push(p);
  let provider: ProviderId | undefined;
  if (isProviderId(given)) provider = given;
  else if (stored.length <= 1) provider = stored[0] ?? 'novita';
  else provider = await pickProvider(keys, l10n.t('GLM Voice Clone: Clear API Key'), (where) => where === 'stored');
  if (!provider) return false;
  await keys.storeFor(provider, '');
  const name = provider === 'zhipu' ? 'Zhipu' : 'Novita';
  const env = provider === 'zhipu' ? 'ZHIPU_API_KEY' : 'NOVITA_API_KEY';
  void vscode.window.showInformationMessage(
    process.env[env]?.trim() ? l10n.t('GLM Voice Clone: stored {0} API key removed ({1} from the environment is still used).', name, env) : l10n.t('GLM Voice Clone: {0} API key removed.', name),
  );
  return true;
}
