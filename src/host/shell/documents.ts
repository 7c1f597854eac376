// What the activation shell asks of an open document, bundled as dist/documents.js and required on the first
// Markdown or screenplay document (never during activation): where the "▶ Read from here" lenses go, and whether
// the document is a script with a cast (whose Problems-panel checks need the features loaded).
import vscode = require('vscode');
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { paragraphStarts } from '../../core/readAlong/paragraphs';

/** "▶ Read from here" over each Markdown heading and paragraph: a line scan, no parser, no features bundle. */
export function readFromHereLenses(document: vscode.TextDocument): vscode.CodeLens[] {
  const title = vscode.l10n.t('$(play) Read from here');
  const tooltip = vscode.l10n.t('Read this file aloud from this paragraph on, highlighting each sentence');
  return paragraphStarts(document.getText()).map(({ line, offset }) => {
    const range = new vscode.Range(line, 0, line, 0);
    return new vscode.CodeLens(range, { title, tooltip, command: 'glmVoiceClone.readFromHere', arguments: [document.uri, offset] });
  });
}

/** A screenplay, a Markdown file whose front matter has `voices:`, or Markdown in a folder with a cast file. */
export function isScript(d: vscode.TextDocument): boolean {
  if (d.languageId === 'fountain') return true;
  if (d.languageId !== 'markdown' || d.uri.scheme !== 'file') return false;
  if (/^---\r?\n(?:.*\r?\n)*?voices:/.test(d.getText(new vscode.Range(0, 0, 80, 0)))) return true;
  const folder = vscode.workspace.getWorkspaceFolder(d.uri);
  return folder !== undefined && existsSync(join(folder.uri.fsPath, '.vscode', 'glm-voice-cast.json'));
}
