// Scripts with a cast in the real extension host against the double: the double's log shows each line sent in its
// speaker's voice, in order; an unassigned speaker is a Problems-panel warning whose Quick Fix writes the cast file;
// the folder's pronunciation list rewrites what is sent.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vscode = require('vscode');
import type { NovitaDouble } from '../double/novitaDouble';
import type { SpeechResult } from '../../src/host/services/speechService';
import { startDouble, stopDouble, waitFor } from './fixture';

const KEY = 'gvc-cast-key-7d21a9c04e5b';

suite('Scripts with a cast (real extension host, Novita double)', () => {
  let double: NovitaDouble;
  let folder: string;
  let vscodeDir: string;
  const sent = () => double.requests.filter((r) => r.route === 'tts').map((r) => JSON.parse(r.bodyText) as { input: string; voice: string; speed?: number });
  const open = async (name: string, text: string) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    await vscode.window.showTextDocument(doc);
    return doc;
  };

  suiteSetup(async () => {
    double = await startDouble(KEY);
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    vscodeDir = join(folder, '.vscode');
    mkdirSync(vscodeDir, { recursive: true });
    await vscode.commands.executeCommand('glmVoiceClone.clearCache', true);
    // One chunk at a time: the double's log is then in the script's order, line by line.
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', 1, vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('glmVoiceClone').update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of ['glm-voice-cast.json', 'glm-voice-pronunciations.json']) rmSync(join(vscodeDir, f), { force: true });
    await stopDouble(double);
  });
  setup(() => {
    double.clearRequests();
    for (const f of ['glm-voice-cast.json', 'glm-voice-pronunciations.json']) rmSync(join(vscodeDir, f), { force: true });
  });

  test('a three-speaker script: every line is sent with its speaker’s voice, in order', async () => {
    await open(
      'three-speakers.md',
      [
        '---',
        'voices:',
        '  Alice: jam',
        '  Bob: { voice: kazi, speed: 1.25 }',
        '---',
        '',
        'The three of them sat down for tea.',
        '',
        'Alice: Shall I pour?',
        '',
        '**Bob:** Please do.',
        '',
        'Alice: Milk first, then.',
        '',
        'Nobody answered.',
      ].join('\n'),
    );
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(
      sent().map((b) => [b.voice, b.input]),
      [
        ['tongtong', 'The three of them sat down for tea.'],
        ['jam', 'Shall I pour?'],
        ['kazi', 'Please do.'],
        ['jam', 'Milk first, then.'],
        ['tongtong', 'Nobody answered.'],
      ],
    );
    assert.equal(sent()[2].speed, 1.25, 'Bob’s speed from the cast');
  });

  /** The unassigned-speaker warning on `doc` for `speaker`, and its Quick Fix run with `voice` (the pick answered). */
  const quickFix = async (doc: vscode.TextDocument, speaker: string, voice: string) => {
    let warning: vscode.Diagnostic | undefined;
    await waitFor(() => (warning = vscode.languages.getDiagnostics(doc.uri).find((d) => d.code === 'glmVoiceClone.unassignedSpeaker')) !== undefined, 10_000, 'the unassigned-speaker warning');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, warning!.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title.includes(`Assign a voice to “${speaker}”`));
    assert.ok(fix?.command, `a Quick Fix (got ${actions.map((a) => a.title).join(', ')})`);
    // The Quick Fix's own command and arguments, with the pick answered (a QuickPick has no one to answer it here).
    const [args] = fix.command.arguments as [{ uri: vscode.Uri; speaker: string }];
    assert.equal(args.speaker, speaker);
    const label = doc.getText(warning!.range);
    return { warning: warning!, label, assigned: await vscode.commands.executeCommand<string>(fix.command.command, { ...args, voice }) };
  };

  test('a speaker with no voice is a warning; its Quick Fix adds them to the front matter’s cast (undoable, unsaved) and the warning goes', async () => {
    const doc = await open('unassigned.md', ['---', 'voices:', '  Alice: jam', '---', '', 'Alice: Who is there?', '', 'Carol: Only me.', '', 'Carol: Again.'].join('\n'));
    const { warning, label, assigned } = await quickFix(doc, 'Carol', 'kazi');
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(warning.message, /“Carol” has no voice in the cast; the narrator reads their 2 lines/);
    assert.equal(label.replace(/[:\s]/g, ''), 'Carol', 'the warning sits on the first label');
    assert.equal(assigned, 'kazi');
    assert.ok(!existsSync(join(vscodeDir, 'glm-voice-cast.json')), 'no second cast in a cast file');
    assert.equal(doc.getText().split('\n').slice(0, 5).join('\n'), ['---', 'voices:', '  Alice: jam', '  Carol: kazi', '---'].join('\n'), 'the front matter’s cast, in its style');
    assert.ok(doc.isDirty, 'an edit of the document, not saved behind the user’s back');
    await waitFor(() => !vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 'glmVoiceClone.unassignedSpeaker'), 10_000, 'the warning to go');
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(sent().map((b) => [b.voice, b.input]), [
      ['jam', 'Who is there?'],
      ['kazi', 'Only me.'],
      ['kazi', 'Again.'],
    ]);
    await vscode.commands.executeCommand('undo');
    assert.ok(!doc.getText().includes('Carol: kazi'), 'undo takes it back');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a script whose cast is the folder’s cast file: the Quick Fix writes the cast file', async () => {
    writeFileSync(join(vscodeDir, 'glm-voice-cast.json'), JSON.stringify({ voices: { Alice: 'jam' } }));
    const doc = await open('unassigned-file-cast.md', ['Alice: Who is there?', '', 'Dora: Only me.'].join('\n'));
    const { assigned } = await quickFix(doc, 'Dora', 'kazi');
    assert.equal(assigned, 'kazi');
    assert.deepEqual(JSON.parse(readFileSync(join(vscodeDir, 'glm-voice-cast.json'), 'utf8')), { voices: { Alice: 'jam', Dora: 'kazi' } });
    assert.ok(!doc.isDirty, 'the script itself is left alone');
    await waitFor(() => !vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 'glmVoiceClone.unassignedSpeaker'), 10_000, 'the warning to go');
  });

  test('a Fountain screenplay: character cues take the cast file’s voices, parentheticals are not spoken', async () => {
    writeFileSync(join(vscodeDir, 'glm-voice-cast.json'), JSON.stringify({ voices: { MAYA: 'jam', THEO: 'kazi' } }));
    await open('scene.fountain', ['INT. KITCHEN - NIGHT', '', 'Rain against the window.', '', 'MAYA', '(whispering)', 'Are you awake?', '', 'THEO', 'I am now.', ''].join('\n'));
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakFile');
    assert.ok(result.ok, JSON.stringify(result));
    const lines = sent().map((b) => [b.voice, b.input]);
    assert.deepEqual(lines, [
      ['tongtong', 'Rain against the window.'],
      ['jam', 'Are you awake?'],
      ['kazi', 'I am now.'],
    ]);
  });

  test('the folder’s pronunciation list rewrites what is sent, whole words only', async () => {
    writeFileSync(join(vscodeDir, 'glm-voice-pronunciations.json'), JSON.stringify({ GLM: 'G L M', Novita: 'No-vee-ta' }));
    const doc = await open('pronounce.txt', 'GLM voices run on Novita. GLMX is left alone.');
    const editor = vscode.window.activeTextEditor!;
    editor.selection = new vscode.Selection(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const result = await vscode.commands.executeCommand<SpeechResult>('glmVoiceClone.speakSelection');
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(sent().map((b) => b.input), ['G L M voices run on No-vee-ta.', 'GLMX is left alone.']);
  });
});
