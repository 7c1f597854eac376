import * as vscode from 'vscode';
import { mkdir } from 'node:fs/promises';
import { VoiceRegistry } from '../library/voiceRegistry';
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

  library(): Promise<VoiceRegistry> {
    return (this.registry ??= this.openRegistry());
  }

  private async openRegistry(): Promise<VoiceRegistry> {
    await mkdir(this.root.fsPath, { recursive: true });
    const registry = await VoiceRegistry.open(this.root.fsPath);
    const recovered = registry.recovered;
    if (recovered) {
      const message = `The voice library file could not be read (${recovered.reason}). It was kept aside as ${recovered.movedTo} and a new library was started.`;
      this.log.warn(message);
      void vscode.window.showWarningMessage(`GLM Voice Clone: ${message}`);
    }
    return registry;
  }
}
