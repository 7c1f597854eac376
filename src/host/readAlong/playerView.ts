// The read-along player's webview view (in the panel area): its document (every label through vscode.l10n, a
// strict CSP, its script and stylesheet inline), and a message queue that holds what the host posts until the
// player's script is listening.
import vscode = require('vscode');
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isFromPlayerMessage, PLAYER_RATES, type FromPlayerMessage, type ToPlayerMessage } from '../../shared/playerProtocol';
import { l10n } from '../platform/describe';
import { Disposable } from '../platform/dispose';

export const PLAYER_VIEW_ID = 'glmVoiceClone.player';

export class PlayerView extends Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly queue: ToPlayerMessage[] = [];
  private readonly resolved: Array<() => void> = [];
  private readonly received = new vscode.EventEmitter<FromPlayerMessage>();
  /** Every valid message from the player; anything malformed is dropped. */
  readonly onMessage = this.received.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly onResolved: () => void = () => undefined,
  ) {
    super();
    this._register(this.received);
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** VS Code has resolved the view (it may be hidden now), or is about to: its first showing was asked for. */
  get created(): boolean {
    return this.view !== undefined || this.showing !== undefined;
  }

  /** Called by the view provider when VS Code shows the view for the first time (or again after it was disposed). */
  resolve(view: vscode.WebviewView): void {
    this.onResolved();
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
    view.webview.html = this.html(view.webview);
    this._register(
      view.webview.onDidReceiveMessage((m: unknown) => {
        if (!isFromPlayerMessage(m)) return;
        if (m.type === 'ready') {
          this.ready = true;
          for (const queued of this.queue.splice(0)) void view.webview.postMessage(queued);
          for (const r of this.resolved.splice(0)) r();
        }
        this.received.fire(m);
      }),
    );
    this._register(
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    );
  }

  private showing: Promise<void> | undefined;

  /** Shows the player without taking the focus from the editor (once at a time; nothing to do when it is visible). */
  show(): Promise<void> {
    if (this.view?.visible) return Promise.resolve();
    if (this.view) {
      this.view.show(true);
      return Promise.resolve();
    }
    return (this.showing ??= this.firstShow().finally(() => (this.showing = undefined)));
  }

  /**
   * The view's first showing: only its focus command makes VS Code resolve it, and told to preserve the focus it
   * opens the view without taking it. (Focusing the view, then the editor again, closed a quick pick the user had
   * just opened, and moved the focus twice under a screen reader.)
   */
  private async firstShow(): Promise<void> {
    await vscode.commands.executeCommand(`${PLAYER_VIEW_ID}.focus`, { preserveFocus: true });
  }

  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.resolved.push(r));
  }

  post(message: ToPlayerMessage): void {
    if (this.view && this.ready) void this.view.webview.postMessage(message);
    else if (message.type === 'session') this.queue.splice(0, this.queue.length, message);
    else this.queue.push(message);
  }

  /** dist/reader.js and dist/reader.css, read once: they go into the page itself (see `html`). */
  private assets: { script: string; style: string } | undefined;

  /**
   * The page, with the player's script and stylesheet inline: the page runs the moment VS Code writes it, without
   * fetching them (a webview's every fetch goes through its service worker and the workbench to the extension's
   * files, 50-100 ms on a first showing, after VS Code's own wait for that service worker). "</" is escaped in both
   * so neither can close its element early.
   */
  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const read = (name: string) => readFileSync(vscode.Uri.joinPath(this.extensionUri, 'dist', name).fsPath, 'utf8').replace(/<\//g, '<\\/');
    const { script, style } = (this.assets ??= { script: read('reader.js'), style: read('reader.css') });
    const csp = ["default-src 'none'", `style-src ${webview.cspSource} 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const t = {
      play: l10n.t('Play'),
      previous: l10n.t('Previous sentence'),
      next: l10n.t('Next sentence'),
      stop: l10n.t('Stop'),
      speed: l10n.t('Speed'),
      idle: l10n.t('Nothing is being read. Run “Speak File”, “Speak Selection” or “Read from Cursor”, or press ▶ “Read from here” above a paragraph.'),
      sentences: l10n.t('Sentences (choose one to read from there)'),
      controls: l10n.t('Read-along controls'),
    };
    // The table the player's script words its changing labels with (../../webview/l10n.ts): JSON data, never run
    // (the CSP runs only the nonce'd script); "<" escaped so no translation can close the element.
    const strings = JSON.stringify(vscode.l10n.bundle ?? {}).replace(/</g, '\\u003c');
    const rates = PLAYER_RATES.map((r) => `<option value="${r}">${r}×</option>`).join('');
    return `<!DOCTYPE html>
<html lang="${esc(vscode.env.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${nonce}">${style}</style>
<script type="application/json" id="gvc-strings">${strings}</script>
</head>
<body data-state="idle">
<p id="title" class="status">${esc(t.idle)}</p>
<div class="bar" role="toolbar" aria-label="${esc(t.controls)}">
<button type="button" id="previous" class="secondary" title="${esc(t.previous)}">${esc(t.previous)}</button>
<button type="button" id="toggle" aria-pressed="false">${esc(t.play)}</button>
<button type="button" id="next" class="secondary" title="${esc(t.next)}">${esc(t.next)}</button>
<button type="button" id="stop" class="secondary" title="${esc(t.stop)}">${esc(t.stop)}</button>
<label for="speed">${esc(t.speed)}</label> <select id="speed">${rates}</select>
<span id="position" class="status" role="status" aria-live="polite"></span>
<span id="rendered" class="status"></span>
</div>
<p id="error" role="alert" hidden></p>
<ol id="sentences" aria-label="${esc(t.sentences)}"></ol>
<script nonce="${nonce}">${script}</script>
</body>
</html>`;
  }
}
