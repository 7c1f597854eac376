// Problems-panel warnings for scripts with a cast: a speaker the cast has no voice for (with a Quick Fix "Assign a
// voice…" that adds the mapping to the front matter's `voices:` when the script has one, else to
// .vscode/glm-voice-cast.json), and mistakes in the cast, front matter and
// pronunciation files. Only documents that are scripts are checked: screenplays, and Markdown with a cast.
import vscode = require('vscode');
import { planScript } from '../../core/narration/cast';
import { isFountain } from '../../core/narration/fountain';
import { isMarkdownLanguage } from '../../core/narration/markdown';
import { readsAsScript } from '../../core/script/settings';
import { describeSettingsFileProblem, l10n } from '../platform/describe';
import { scriptSettingsFor } from '../platform/castFiles';
import { Disposable } from '../platform/dispose';

export const UNASSIGNED_SPEAKER = 'glmVoiceClone.unassignedSpeaker';
const SOURCE = 'GLM Voice Clone';

export class CastDiagnostics extends Disposable implements vscode.CodeActionProvider {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('glmVoiceClone.cast'));
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor() {
    super();
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
    // A cast or pronunciation file saved: every open script may have changed.
    this._register(
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (/glm-voice-(cast|pronunciations)\.json$/.test(d.fileName)) for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
      }),
    );
    this._register(vscode.languages.registerCodeActionsProvider([{ language: 'markdown' }, { pattern: '**/*.fountain' }], this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  /** Checks `doc` now (tests, and after "Assign a voice"); resolves with its diagnostics. */
  async refresh(doc: vscode.TextDocument): Promise<readonly vscode.Diagnostic[]> {
    const diagnostics = await this.check(doc);
    this.collection.set(doc.uri, diagnostics);
    return diagnostics;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics
      .filter((d) => d.code === UNASSIGNED_SPEAKER)
      .map((d) => {
        const speaker = (d as vscode.Diagnostic & { speaker?: string }).speaker ?? doc.getText(d.range).replace(/[*_:：\s]+/g, ' ').trim();
        const action = new vscode.CodeAction(l10n.t('Assign a voice to “{0}”…', speaker), vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        action.isPreferred = true;
        action.command = { command: 'glmVoiceClone.assignVoice', title: action.title, arguments: [{ uri: doc.uri, speaker }] };
        return action;
      });
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isScriptCandidate(doc)) {
      this.collection.delete(doc.uri);
      return;
    }
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.refresh(doc);
      }, 300),
    );
  }

  private async check(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
    if (!isScriptCandidate(doc) || doc.isClosed) return [];
    const settings = await scriptSettingsFor(doc);
    const text = doc.getText();
    const hasCast = readsAsScript(text, doc.languageId, settings);
    const out: vscode.Diagnostic[] = [];
    if (hasCast) {
      const plan = planScript(text, doc.languageId, { narratorVoice: '', cast: settings.cast, pronunciations: settings.pronunciations, fileName: doc.fileName });
      for (const u of plan.unassigned) {
        const d = new vscode.Diagnostic(
          new vscode.Range(doc.positionAt(u.start), doc.positionAt(u.end)),
          u.count === 1
            ? l10n.t('“{0}” has no voice in the cast; the narrator reads this line. Assign a voice in the front matter or .vscode/glm-voice-cast.json.', u.speaker)
            : l10n.t('“{0}” has no voice in the cast; the narrator reads their {1} lines. Assign a voice in the front matter or .vscode/glm-voice-cast.json.', u.speaker, u.count),
          vscode.DiagnosticSeverity.Warning,
        );
        d.code = UNASSIGNED_SPEAKER;
        d.source = SOURCE;
        (d as vscode.Diagnostic & { speaker?: string }).speaker = u.speaker;
        out.push(d);
      }
      for (const p of plan.problems) {
        const range = p.start !== undefined ? new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end ?? p.start)) : new vscode.Range(0, 0, 0, 0);
        const d = new vscode.Diagnostic(range, describeSettingsFileProblem(p), vscode.DiagnosticSeverity.Warning);
        d.source = SOURCE;
        out.push(d);
      }
    }
    // Mistakes in the shared files are shown on the document that uses them (line 1), naming the file.
    for (const { file, problem } of settings.problems) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `${vscode.workspace.asRelativePath(file)}: ${describeSettingsFileProblem(problem)}`, vscode.DiagnosticSeverity.Warning);
      d.source = SOURCE;
      out.push(d);
    }
    return out;
  }

  override dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    super.dispose();
  }
}

function isScriptCandidate(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme !== 'output' && (isMarkdownLanguage(doc.languageId) || isFountain(doc.languageId, doc.fileName));
}
