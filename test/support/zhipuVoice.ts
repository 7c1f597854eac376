// A voice cloned at the Zhipu double and recorded in the extension's registry as Zhipu's, for the in-editor suite and
// the bench (inside the extension host): the registry file is written beside the extension (as another window would),
// then one change through the extension (a preview removed) makes it read the file again and know the voice.
import vscode = require('vscode');
import { pcmToWav } from '../../src/core/audio/wav';
import { VoiceRegistry } from '../../src/core/library/voiceRegistry';

/** The extension's storage folder, from a narration's file (`<storage>/audio/<file>`). */
export function storageRootOf(filePath: string): string {
  return filePath.replace(/[/\\]audio[/\\][^/\\]+$/, '');
}

/** Uploads a 5 s sample to the double and clones it there; resolves with the `voice` id Zhipu answered. */
export async function cloneAtZhipuDouble(baseUrl: string, key: string, voiceName: string): Promise<string> {
  const form = new FormData();
  const wav = pcmToWav(Buffer.alloc(24000 * 2 * 5, 1));
  form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'sample.wav');
  form.append('purpose', 'voice-clone-input');
  const auth = { authorization: `Bearer ${key}` };
  const up = await fetch(`${baseUrl}/files`, { method: 'POST', headers: auth, body: form });
  if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);
  const fileId = ((await up.json()) as { id: string }).id;
  const cl = await fetch(`${baseUrl}/voice/clone`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-tts-clone', voice_name: voiceName, input: 'Hello.', file_id: fileId }),
  });
  if (!cl.ok) throw new Error(`clone: ${cl.status} ${await cl.text()}`);
  return ((await cl.json()) as { voice: string }).voice;
}

/**
 * Records `voiceId` as a Zhipu voice in the registry under `storageRoot`, has the extension read it (by removing the
 * preview `historyId`, a change that starts from the file), and makes it the active voice.
 */
export async function useZhipuVoice(storageRoot: string, voiceId: string, name: string, historyId: string): Promise<void> {
  const registry = await VoiceRegistry.open(storageRoot);
  await registry.addVoice({ voiceId, name, sampleUrl: 'file:sample.wav', createdAt: new Date().toISOString(), provider: 'zhipu' });
  await vscode.commands.executeCommand('glmVoiceClone.removePreview', historyId);
  const chosen = await vscode.commands.executeCommand<{ id: string } | undefined>('glmVoiceClone.useVoice', voiceId);
  if (chosen?.id !== voiceId) throw new Error(`the extension did not take the Zhipu voice ${voiceId} (active: ${JSON.stringify(chosen)})`);
}
