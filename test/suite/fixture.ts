// Shared by the in-editor suites: a Novita double in this extension host, with the extension pointed at it.
import vscode = require('vscode');
import { NovitaDouble, type NovitaDoubleOptions } from '../double/novitaDouble';
import { ZhipuDouble, type ZhipuDoubleOptions } from '../double/zhipuDouble';
import { pcmToWav } from '../../src/core/audio/wav';

export const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';

/** Starts a double, points `glmVoiceClone.apiBaseUrl` at it and stores its key through the real command. */
export async function startDouble(key: string, options: Partial<NovitaDoubleOptions> = {}): Promise<NovitaDouble> {
  const double = new NovitaDouble({ apiKey: key, ...options });
  const baseUrl = await double.start();
  await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  await vscode.workspace.getConfiguration('glmVoiceClone').update('apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  // No "send N characters?" question in the middle of a test (a modal no one answers); the cache suite asks for it.
  await vscode.workspace.getConfiguration('glmVoiceClone').update('narration.confirmAboveCharacters', 0, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('glmVoiceClone.setApiKey', key);
  double.addFile('/samples/voice.wav', pcmToWav(Buffer.alloc(24000 * 2 * 5)), 'audio/wav');
  return double;
}

export async function stopDouble(double: NovitaDouble | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('glmVoiceClone').update('apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('glmVoiceClone').update('narration.confirmAboveCharacters', undefined, vscode.ConfigurationTarget.Global);
  await double?.stop();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A new untitled document holding `content`. After `closeAllEditors` VS Code hands out a freed name ("Untitled-1")
 * again, and the extension host can still hold the closed document under that name for a moment: opening then returns
 * the old document, with the old text (a CI run failed on it). Such a document is never the one asked for, so open again
 * until the text is ours.
 */
export async function openUntitled(content: string, language = 'plaintext'): Promise<vscode.TextDocument> {
  for (let attempt = 0; ; attempt++) {
    const doc = await vscode.workspace.openTextDocument({ content, language });
    if (doc.getText() === content && doc.languageId === language) return doc;
    if (attempt >= 20) throw new Error(`openTextDocument kept returning another document (${doc.uri.toString()})`);
    await sleep(50);
  }
}

/**
 * A Zhipu double beside the Novita one: `glmVoiceClone.zhipu.apiBaseUrl` points at it and its key is stored through
 * the real command (for Zhipu). Kept apart from startDouble so each suite starts only what it needs.
 */
export async function startZhipuDouble(key: string, options: ZhipuDoubleOptions = {}): Promise<ZhipuDouble> {
  const zhipuDouble = new ZhipuDouble({ apiKey: key, ...options });
  const baseUrl = await zhipuDouble.start();
  await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  await vscode.workspace.getConfiguration('glmVoiceClone').update('zhipu.apiBaseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('glmVoiceClone.setApiKey', key, 'zhipu');
  return zhipuDouble;
}

export async function stopZhipuDouble(zhipuDouble: ZhipuDouble | undefined): Promise<void> {
  await vscode.commands.executeCommand('glmVoiceClone.clearApiKey', 'zhipu');
  await vscode.workspace.getConfiguration('glmVoiceClone').update('zhipu.apiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
  await zhipuDouble?.stop();
}
