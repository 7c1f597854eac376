import vscode = require('vscode');
import { l10n } from './describe';
import { mkdir } from 'node:fs/promises';
import { VoiceRegistry } from '../../core/library/voiceRegistry';
import { Log } from './log';

/** The extension's global storage: the voice registry (opened on first use) and the folder of audio files. */
export class ExtensionStorage {
  private registry: Promise<VoiceRegistry> | undefined;

  constructor(
    private readonly root: vscode.Uri,
    private readonly log: Log,
  ) {}

  get audioDir(): vscode.Uri {
    return vscode.Uri.joinPath(this.root, 'audio');
  }

  async ensureAudioDir(): Promise<string> {
    await mkdir(this.audioDir.fsPath, { recursive: true });
    return this.audioDir.fsPath;
  }

  /** Another window may have cloned a voice: re-read the registry (if it was opened) when this window gains focus. */
  async refreshIfOpen(): Promise<void> {
    if (!this.registry) return;
    try {
      await (await this.registry).refresh();
    } catch (err) {
      this.log.warn(`could not re-read the voice library: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  library(): Promise<VoiceRegistry> {
    return (this.registry ??= this.openRegistry().then((r) => (this.opened = r)));
  }

  /** The registry once it is open (synchronous look-ups: which provider speaks a voice); undefined before. */
  opened: VoiceRegistry | undefined;

  private async openRegistry(): Promise<VoiceRegistry> {
    await mkdir(this.root.fsPath, { recursive: true });
    const registry = await VoiceRegistry.open(this.root.fsPath);
    const recovered = registry.recovered;
    if (recovered) {
      this.log.warn(`The voice library file could not be read (${recovered.reason}). It was kept aside as ${recovered.movedTo} and a new library was started.`);
      const message = l10n.t('The voice library file could not be read ({0}). It was kept aside as {1} and a new library was started.', recovered.reason, recovered.movedTo);
      void vscode.window.showWarningMessage(`GLM Voice Clone: ${message}`);
    }
    return registry;
  }
}
