// Plays a file of the audio folder in the panel's player: what the library's commands (previews, history) and the
// narration's retake both call. Its own module, so those two command modules do not import each other.
import vscode = require('vscode');
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { l10n } from '../platform/describe';
import { VoiceClonePanel } from '../panel/panel';
import type { Services } from '../services/services';

export async function playInPanel(
  services: Services,
  p: { voiceId: string; voiceName: string; file: string; text: string; elapsedMs?: number },
  { beside = false } = {},
): Promise<boolean> {
  const path = join(services.storage.audioDir.fsPath, basename(p.file));
  if (!existsSync(path)) {
    void vscode.window.showWarningMessage(l10n.t('GLM Voice Clone: the audio file {0} is no longer there (older previews are removed as history fills up).', basename(p.file)));
    return false;
  }
  const panel = VoiceClonePanel.createOrShow(services, { beside });
  await panel.whenReady();
  panel.showPreview({ voiceId: p.voiceId, voiceName: p.voiceName, fileName: basename(p.file), text: p.text, elapsedMs: p.elapsedMs ?? 0 }, true);
  return true;
}
