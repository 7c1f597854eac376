// The activation shell's second half, bundled as dist/shell.js and required a tick after activate() (never during
// it): the tree views, the player's view and the panel's serializer (VS Code waits for those to be registered), the
// status-bar item, the "▶ Read from here" lens provider and the document watchers.
import vscode = require('vscode');
import type { ActiveVoice } from '../views/activeVoice';
import type { Features } from './features';
import { loadDocuments } from './lazy';
import { keyUsable, watchWalkthroughKey } from '../services/walkthrough';

export { ActiveVoice } from '../views/activeVoice';

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

/** What the first half of the shell hands over: the features (loaded on first use) and the status-bar item. */
export interface Shell {
  /** The features, loaded now if they were not. */
  features(): Features;
  /** The features if they are loaded, without loading them. */
  loaded(): Features | undefined;
  /** The status-bar item (created on first call). */
  voice(): ActiveVoice;
  /** Where a stored key is (the walkthrough's key step is done when there is one, or one in the environment). */
  secrets: vscode.SecretStorage;
}

/** Registers the views, the serializer, the lenses and the watchers; returns what to dispose. */
export function setUp(shell: Shell): vscode.Disposable[] {
  const lenses = new ReadFromHereLenses();
  const registered: vscode.Disposable[] = [
    ...(['voices', 'history'] as const).map((which) => {
      const tree = new LazyTree(() => shell.features().tree(which));
      return vscode.Disposable.from(tree, vscode.window.registerTreeDataProvider(`glmVoiceClone.${which}`, tree));
    }),
    // Kept alive while hidden: the audio plays in it, and switching the panel to the terminal must not stop it.
    vscode.window.registerWebviewViewProvider(PLAYER_VIEW_ID, { resolveWebviewView: (view) => shell.features().resolvePlayer(view) }, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        shell.features().revivePanel(panel);
      },
    }),
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'markdown' }, lenses),
    vscode.window.onDidChangeWindowState((e) => {
      if (e.focused) shell.loaded()?.onWindowFocused();
    }),
    // A script with a cast gets its Problems-panel checks: the features load when one is open.
    vscode.workspace.onDidOpenTextDocument((d) => {
      if (!shell.loaded() && isScript(d)) shell.features();
    }),
    watchWalkthroughKey(() => keyUsable(shell.secrets)),
  ];
  shell.voice();
  return registered;
}

/** Scripts already open when the shell was set up: their checks need the features (this reads the documents). */
export function anyScriptOpen(): boolean {
  return vscode.workspace.textDocuments.some(isScript);
}

function isScript(d: vscode.TextDocument): boolean {
  return (d.languageId === 'markdown' || d.languageId === 'fountain') && loadDocuments().isScript(d);
}
