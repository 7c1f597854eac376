// The read-along commands: where to start (the cursor, a lens over a Markdown paragraph) and the player's controls,
// which the keybindings call while `glmVoiceClone.reading` is set. Each control resolves with the read-along's
// status once the player has acted on it.
import vscode = require('vscode');
import { basename } from 'node:path';
import { l10n } from '../platform/describe';
import type { Services } from '../services/services';
import type { SpeechResult } from '../services/speechService';
import type { CommandHandlers, ReadAlongCommandId } from './ids';
import { readAloud } from './library';

export function readAlongCommandHandlers(services: Services): Pick<CommandHandlers, ReadAlongCommandId> {
  const { readAlong } = services;
  return {
    'glmVoiceClone.readFromCursor': () => readFromCursor(services),
    'glmVoiceClone.readFromHere': (uri?: unknown, offset?: unknown) => readFromHere(services, uri, offset),
    'glmVoiceClone.readAlong.togglePause': () => readAlong.control('toggle'),
    'glmVoiceClone.readAlong.next': () => readAlong.control('next'),
    'glmVoiceClone.readAlong.previous': () => readAlong.control('previous'),
    'glmVoiceClone.readAlong.stop': () => readAlong.stop(),
    // `false`: only the status, the player left as it is (tests and the bench poll it).
    'glmVoiceClone.readAlong.showPlayer': (reveal?: unknown) => readAlong.showPlayer(reveal !== false),
  };
}

/** From the sentence at the cursor to the end of the file; a selection is read as Speak Selection reads it. */
async function readFromCursor(services: Services): Promise<SpeechResult> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return fail(l10n.t('Open a file and put the cursor where reading should start.'));
  if (!editor.selection.isEmpty) return vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakSelection');
  const doc = editor.document;
  return readAloud(services, doc, { text: doc.getText(), base: 0, mapped: true, from: doc.offsetAt(editor.selection.active) }, 'narration', l10n.t('Reading {0}', basename(doc.fileName)));
}

/** The ▶ lens over a Markdown heading or paragraph: reads the file from there on. */
async function readFromHere(services: Services, uri: unknown, offset: unknown): Promise<SpeechResult> {
  if (!(uri instanceof vscode.Uri) || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return readFromCursor(services);
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false });
  const position = doc.positionAt(offset);
  editor.selection = new vscode.Selection(position, position);
  return readAloud(services, doc, { text: doc.getText(), base: 0, mapped: true, from: offset }, 'narration', l10n.t('Reading {0}', basename(doc.fileName)));
}

function fail(message: string): SpeechResult {
  void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`);
  return { ok: false, message };
}
