// Read-along in the editor: the core's ReadAlongFlow (src/core/readAlong/flow.ts: the session, seeking, speed, the
// flow of chunks to the player) wired to VS Code: the render is a narration through SpeechService (so the WAV, the
// history and the cache are as for any narration), the player is a webview view, the sentence heard is a decoration
// in a theme colour (kept in view), `glmVoiceClone.reading` is the keybindings' context key, and a failure is told
// in an error notification. Every word the flow reports as data is worded here.
import vscode = require('vscode');
import { ReadAlongFlow, type ReadAlongFlowStatus } from '../../core/readAlong/flow';
import type { HighlightPort, PlayerPort, ReadingFailure, ReadingPort, RenderPort } from '../../core/readAlong/ports';
import type { PlayerControl } from '../../shared/playerProtocol';
import { describe, l10n } from '../platform/describe';
import { Disposable } from '../platform/dispose';
import type { Log } from '../platform/log';
import type { SpeechResult, SpeechService } from '../services/speechService';
import type { VoiceChoice } from '../views/activeVoice';
import { PlayerView } from './playerView';

export type { ReadAlongMetrics } from '../../core/readAlong/flow';

const READING_KEY = 'glmVoiceClone.reading';

/** What to read: all or part of a document, from the start of that part or from an offset in it. */
export interface ReadTarget {
  document: vscode.TextDocument;
  text: string;
  /** Document offset of `text`'s first character. */
  base: number;
  /** False when `text` is not one stretch of the document (several selections): nothing is highlighted. */
  mapped: boolean;
  /** Document offset to read from (cursor, lens); default: the start. */
  from?: number;
  kind: 'speech' | 'narration';
  title: string;
  voice: VoiceChoice;
}

/** What the player and the editor show now, for the commands' callers (tests, the bench): the flow's status in words. */
export interface ReadAlongStatus extends Omit<ReadAlongFlowStatus, 'failure'> {
  /** The document read. */
  document?: string;
  /** Why the render stopped early, as the player shows it (naming the sentence that failed). */
  error?: string;
  /** The title of the clip the player was last given by `playClip` (a retake's take), while no reading replaced it. */
  clip?: string;
}

/** A failure in the listener's words: the sentence it stopped at, and the render's problem. */
function wordFailure(f: ReadingFailure): string {
  return f.sentence ? l10n.t('Reading stopped at “{0}”: {1}', f.sentence.text, f.problem) : f.problem;
}

export class ReadAlong extends Disposable {
  readonly player: PlayerView;
  private readonly flow: ReadAlongFlow<ReadTarget, SpeechResult>;
  private readonly decoration: vscode.TextEditorDecorationType;
  private clip: string | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly speech: SpeechService,
    private readonly log: Log,
  ) {
    super();
    this.player = this._register(new PlayerView(extensionUri, () => this.flow?.viewResolved()));
    this.decoration = this._register(
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor('glmVoiceClone.readAlongHighlight'),
        overviewRulerColor: new vscode.ThemeColor('glmVoiceClone.readAlongHighlight'),
        overviewRulerLane: vscode.OverviewRulerLane.Center,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.flow = new ReadAlongFlow<ReadTarget, SpeechResult>({
      player: this.playerPort(),
      highlight: this.highlightPort(),
      render: this.renderPort(),
      reading: this.readingPort(),
    });
    this._register(this.player.onMessage((m) => this.flow.onPlayer(m)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document !== this.flow.target?.document) return;
        this.flow.edited(e.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, newLength: c.text.length })));
      }),
    );
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.flow.repaint()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('glmVoiceClone.readAlong.highlight')) this.flow.repaint();
      }),
    );
  }

  get isReading(): boolean {
    return this.flow.isReading;
  }

  status(): ReadAlongStatus {
    return this.word(this.flow.status());
  }

  /**
   * Reads `target` aloud: the player plays each chunk as it is written while the rest render. Resolves with the
   * render's outcome (the WAV in the history), while playback may go on.
   */
  async read(target: ReadTarget): Promise<SpeechResult> {
    this.clip = undefined;
    // The player's first showing in a window takes VS Code a while (the view, its frames, its webview service
    // worker): it starts now, while the text is planned and the first chunk asked for, rather than after the plan.
    if (!this.player.created) void this.player.show().catch((err: unknown) => this.log.warn(`the read-along player did not open: ${String(err)}`));
    const outcome = await this.flow.read({ target, title: target.title, base: target.base, mapped: target.mapped, from: target.from });
    if (outcome.started) return outcome.result;
    const r = outcome.refusal;
    return this.fail(r.kind === 'planFailed' ? describe(r.error, this.log).message : l10n.t('There is nothing to read after the cursor.'));
  }

  /** Play/pause, next, previous, stop: resolves with the status once the player has acted (or after 3 s). */
  async control(action: PlayerControl): Promise<ReadAlongStatus> {
    return this.word(await this.flow.control(action));
  }

  async stop(): Promise<ReadAlongStatus> {
    return this.word(await this.flow.stop());
  }

  /**
   * Plays one clip in the player (a retake's take: 16-bit mono PCM at 24 kHz, saying `text`), as a session of one
   * sentence with nothing to highlight; a reading in progress stops. Resolves once the player has been given it.
   */
  async playClip(clip: { title: string; text: string; pcm: Buffer }): Promise<ReadAlongStatus> {
    this.clip = clip.title;
    // A copy: the Buffer may be a view into a larger pooled one.
    const pcm = new Uint8Array(clip.pcm.byteLength);
    pcm.set(clip.pcm);
    return this.word(await this.flow.playClip({ title: clip.title, text: clip.text, pcm }));
  }

  /** Shows the player (unless `reveal` is false) and resolves with the status. */
  async showPlayer(reveal = true): Promise<ReadAlongStatus> {
    if (reveal) await this.player.show();
    return this.status();
  }

  private word(s: ReadAlongFlowStatus): ReadAlongStatus {
    const { failure, ...rest } = s;
    return { ...rest, document: this.flow.target?.document.uri.toString(), error: failure ? wordFailure(failure) : undefined, clip: this.clip };
  }

  /** The player's view, its messages worded where they carry words. */
  private playerPort(): PlayerPort {
    const view = this.player;
    return {
      session: (s) => view.post({ type: 'session', ...s }),
      chunk: (c) => view.post({ type: 'chunk', ...c }),
      piece: (p) => view.post({ type: 'piece', ...p }),
      end: (session, failure) => view.post(failure ? { type: 'end', session, error: wordFailure(failure) } : { type: 'end', session }),
      control: (action, id) => view.post({ type: 'control', action, id }),
      status: (session, rendered, total) => view.post({ type: 'status', session, rendered: l10n.t('{0} of {1} chunks ready', rendered, total) }),
      show: () => view.show(),
    };
  }

  /** The decoration on the sentence heard, in every editor showing the document (unless the setting turns it off). */
  private highlightPort(): HighlightPort<ReadTarget> {
    return {
      show: (target, range, reveal) => {
        const on = vscode.workspace.getConfiguration('glmVoiceClone').get<boolean>('readAlong.highlight', true);
        if (!on) {
          this.clearDecorations();
          return false;
        }
        const doc = target.document;
        const editors = vscode.window.visibleTextEditors.filter((e) => e.document === doc);
        const r = new vscode.Range(doc.positionAt(range.start), doc.positionAt(range.end));
        for (const e of editors) e.setDecorations(this.decoration, [r]);
        if (reveal) {
          const editor = editors.find((e) => e === vscode.window.activeTextEditor) ?? editors[0];
          editor?.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        }
        return editors.length > 0;
      },
      clear: () => this.clearDecorations(),
    };
  }

  private clearDecorations(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.decoration, []);
  }

  /** A narration through SpeechService: a cancellable notification, or the status bar for a render after a seek. */
  private renderPort(): RenderPort<ReadTarget, SpeechResult> {
    return {
      // A script with a cast keeps its voices (front matter, the folder's cast file, pronunciations).
      plan: (t) => this.speech.plan(t.text, t.document.languageId, t.voice.id, t.document),
      render: (t, plan, onChunk, background, onPiece) =>
        this.speech.speak({
          text: t.text,
          voice: t.voice,
          languageId: t.document.languageId,
          kind: t.kind,
          title: t.title,
          plan,
          document: t.document,
          progressLocation: background ? 'window' : 'notification',
          onChunk,
          onPiece,
        }),
      cancel: () => void this.speech.cancel(),
    };
  }

  private readingPort(): ReadingPort<SpeechResult> {
    return {
      reading: (on) => void vscode.commands.executeCommand('setContext', READING_KEY, on),
      failed: (failure, r) => {
        const keptPath = r.ok ? undefined : r.keptPath;
        const actions = keptPath ? [l10n.t('Reveal Kept Part')] : [];
        void vscode.window.showErrorMessage(`GLM Voice Clone: ${wordFailure(failure)}`, ...actions).then((choice) => {
          if (choice && keptPath) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(keptPath));
        });
      },
      warn: (w) => this.log.warn(`${w.kind === 'playerNotShown' ? 'the read-along player did not open' : 'read-along seek failed'}: ${String(w.error)}`),
    };
  }

  private fail(message: string): SpeechResult {
    void vscode.window.showErrorMessage(`GLM Voice Clone: ${message}`);
    return { ok: false, message };
  }
}
