// A clone's sample as a file on this computer: chosen in the open dialog, from the workspace's audio files, or dropped
// from the Explorer (a URI list); read through the workspace's file system (file: and vscode-remote: alike) only
// once its size is known to be within the limit.
import vscode = require('vscode');
import { CoreError } from '../../core/errors';
import { LIMITS } from '../../core/limits';
import type { SampleFileInfo } from '../../shared/protocol';
import { formatBytes, l10n } from './describe';

/** What the dialog and the workspace pick offer (the check then says which of them the provider takes). */
export const AUDIO_EXTENSIONS = ['wav', 'mp3', 'm4a', 'aac', 'ogg', 'oga', 'opus', 'flac', 'webm'] as const;
const SCHEMES = new Set(['file', 'vscode-remote']);
/** The workspace pick lists at most this many files. */
const MAX_WORKSPACE_FILES = 500;

function nameOf(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.path;
}

function localFileError(uri: vscode.Uri, err: unknown): CoreError {
  const code = (err as { code?: unknown })?.code;
  return new CoreError({ kind: 'localFile', path: uri.scheme === 'file' ? uri.fsPath : uri.path, ...(typeof code === 'string' ? { code } : {}) }, { cause: err });
}

/** The file as the panel shows it; throws CoreError 'localFile' when it cannot be read (or is not a file). */
export async function sampleFileInfo(uri: vscode.Uri): Promise<SampleFileInfo> {
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (err) {
    throw localFileError(uri, err);
  }
  if (stat.type & vscode.FileType.Directory) throw new CoreError({ kind: 'localFile', path: uri.fsPath, code: 'EISDIR' });
  return { uri: uri.toString(), name: nameOf(uri), sizeBytes: stat.size };
}

/** The URI of a SampleFileInfo, or undefined when it names no local file (file: or vscode-remote:). */
export function sampleFileUri(info: SampleFileInfo): vscode.Uri | undefined {
  try {
    const uri = vscode.Uri.parse(info.uri, true);
    return SCHEMES.has(uri.scheme) ? uri : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file's bytes and a path to name it by. A file over the 10 MB limit is refused before it is read (the same
 * refusal as the check's); one that cannot be read throws CoreError 'localFile'.
 */
export async function readSampleFile(info: SampleFileInfo): Promise<{ path: string; bytes: Uint8Array }> {
  const uri = sampleFileUri(info);
  if (!uri) throw new CoreError({ kind: 'localFile', path: info.name });
  const fresh = await sampleFileInfo(uri);
  if (fresh.sizeBytes > LIMITS.sampleBytes) throw new CoreError({ kind: 'sampleRefused', refusal: { code: 'fileTooBig', file: fresh.name, sizeBytes: fresh.sizeBytes, maxBytes: LIMITS.sampleBytes } });
  try {
    return { path: uri.fsPath, bytes: await vscode.workspace.fs.readFile(uri) };
  } catch (err) {
    throw localFileError(uri, err);
  }
}

/** The first local file of a dropped URI list (text/uri-list: one URI a line, `#` lines are comments). */
export function droppedSampleUri(uris: string): vscode.Uri | undefined {
  for (const line of uris.split(/\r?\n/)) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    try {
      const uri = vscode.Uri.parse(text, true);
      if (SCHEMES.has(uri.scheme)) return uri;
    } catch {
      // not a URI: the next line may be
    }
  }
  return undefined;
}

/** The open dialog, for audio files. */
export async function browseForSample(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    openLabel: l10n.t('Use as Sample'),
    title: l10n.t('Choose the sample to clone (WAV or MP3, 3–30 s, ≤ 10 MB)'),
    filters: { [l10n.t('Audio')]: [...AUDIO_EXTENSIONS] },
    ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
  });
  return picked?.[0];
}

/** A quick pick of the workspace's audio files (name, folder, size); a message when there are none. */
export async function pickWorkspaceSample(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(`**/*.{${AUDIO_EXTENSIONS.join(',')}}`, '**/{node_modules,.git}/**', MAX_WORKSPACE_FILES);
  if (!found.length) {
    void vscode.window.showInformationMessage(l10n.t('GLM Voice Clone: no audio files (WAV, MP3…) in this workspace. Use Browse… to choose one elsewhere.'));
    return undefined;
  }
  const items = await Promise.all(
    found
      .sort((a, b) => a.path.localeCompare(b.path))
      .map(async (uri) => {
        const size = await vscode.workspace.fs.stat(uri).then((s) => s.size, () => undefined);
        const folder = vscode.workspace.asRelativePath(uri, false);
        return { label: `$(file-media) ${nameOf(uri)}`, description: folder === nameOf(uri) ? '' : folder.slice(0, -nameOf(uri).length - 1), detail: size === undefined ? undefined : formatBytes(size), uri };
      }),
  );
  const picked = await vscode.window.showQuickPick(items, { title: l10n.t('Choose the sample to clone'), placeHolder: l10n.t('An audio file of this workspace (WAV or MP3, 3–30 s, ≤ 10 MB)'), matchOnDescription: true });
  return picked?.uri;
}
