// The activation shell: a status-bar item and stubs for every contributed command, tree view and the panel
// serializer. The features themselves (dist/features.js) load on the first use of any of them.
import * as vscode from 'vscode';
import { ActiveVoice } from '../views/activeVoice';
import type { Features } from './features';
import { loadDocuments, loadFeatures } from './lazy';

const PANEL_VIEW_TYPE = 'glmVoiceClone.panel';
const PLAYER_VIEW_ID = 'glmVoiceClone.player';

/** "▶ Read from here" over Markdown headings and paragraphs (dist/documents.js places them); a setting turns it off. */
class ReadFromHereLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly watch = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('glmVoiceClone.readAlong.codeLens')) this.changed.fire();
  });

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('glmVoiceClone', document).get<boolean>('readAlong.codeLens', true)) return [];
    return loadDocuments().readFromHereLenses(document);
  }

  dispose(): void {
    this.watch.dispose();
    this.changed.dispose();
  }
}

/** A tree provider that builds the real one on first use and forwards its change events. */
class LazyTree implements vscode.TreeDataProvider<unknown> {
  private readonly changed = new vscode.EventEmitter<unknown>();
  readonly onDidChangeTreeData = this.changed.event;
  private real: vscode.TreeDataProvider<unknown> | undefined;

  constructor(private readonly resolve: () => vscode.TreeDataProvider<unknown>) {}

  private get provider(): vscode.TreeDataProvider<unknown> {
    if (!this.real) {
      this.real = this.resolve();
      this.real.onDidChangeTreeData?.((e) => this.changed.fire(e));
    }
    return this.real;
  }

  getChildren(element?: unknown) {
    return this.provider.getChildren(element);
  }

  getTreeItem(element: unknown) {
    return this.provider.getTreeItem(element);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * No I/O and no heavy module here. Returns no API: an exported object would hand other extensions a way to the key.
 */
export function activate(context: vscode.ExtensionContext): void {
  const active = new ActiveVoice(context.globalState);
  let features: Features | undefined;
  const get = (): Features => (features ??= loadFeatures().createFeatures(context, active));
  const commands: { command: string }[] = context.extension.packageJSON.contributes?.commands ?? [];
  context.subscriptions.push(
    { dispose: () => features?.dispose() },
    active,
    ...commands.map(({ command }) => vscode.commands.registerCommand(command, (...args: unknown[]) => get().run(command, args))),
    ...(['voices', 'history'] as const).map((which) => {
      const tree = new LazyTree(() => get().tree(which));
      return vscode.Disposable.from(tree, vscode.window.registerTreeDataProvider(`glmVoiceClone.${which}`, tree));
    }),
    // Kept alive while hidden: the audio plays in it, and switching the panel to the terminal must not stop it.
    vscode.window.registerWebviewViewProvider(PLAYER_VIEW_ID, { resolveWebviewView: (view) => get().resolvePlayer(view) }, { webviewOptions: { retainContextWhenHidden: true } }),
    ((lenses) => vscode.Disposable.from(lenses, vscode.languages.registerCodeLensProvider({ language: 'markdown' }, lenses)))(new ReadFromHereLenses()),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        get().revivePanel(panel);
      },
    }),
    vscode.window.onDidChangeWindowState((e) => {
      if (e.focused) features?.onWindowFocused();
    }),
    // A script with a cast gets its Problems-panel checks: the features load when one is open.
    vscode.workspace.onDidOpenTextDocument((d) => {
      if (!features && isScript(d)) get();
    }),
  );
  // After activation, not in it (activation does no I/O): scripts already open.
  setTimeout(() => {
    if (!features && vscode.workspace.textDocuments.some(isScript)) get();
  }, 0);
}

function isScript(d: vscode.TextDocument): boolean {
  return (d.languageId === 'markdown' || d.languageId === 'fountain') && loadDocuments().isScript(d);
}

export function deactivate(): void {}
