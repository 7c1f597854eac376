// What the bench suite (inside the extension host) and `npm run bench` (outside) tell each other. Imports
// nothing, so both sides can use it. They talk through files in $GVC_BENCH_DIR: the suite writes
// `ask-<step>.json` when it needs the outside to act (e.g. click in the webview), the runner answers with
// `answer-<step>.json`; the suite's findings end in $GVC_BENCH_OUT.

export type BenchMode = 'activation' | 'host';

export const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';

/** Environment the runner gives code-server (and so the extension host). */
export interface BenchEnv {
  GVC_BENCH_MODE: BenchMode;
  GVC_BENCH_DIR: string;
  GVC_BENCH_OUT: string;
  GVC_BENCH_LOG: string;
  /** host mode: the double answering after 200 ms (clone) and the one answering after 300 ms (narration). */
  GVC_BENCH_CLONE_URL?: string;
  GVC_BENCH_NARRATION_URL?: string;
  /** host mode: the Zhipu double streaming speech (first frame after STREAM_FIRST_FRAME_MS); its key is ZHIPU_API_KEY. */
  GVC_BENCH_ZHIPU_URL?: string;
  GVC_BENCH_PANEL_RUNS?: string;
  GVC_BENCH_NARRATION_RUNS?: string;
  /** host mode: `clone` skips everything but the clone runs (`npm run bench -- --only clone`). */
  GVC_BENCH_ONLY?: 'clone' | 'readalong' | 'readalong-cold' | 'narration' | 'streamed';
  /** readalong-cold: windows to read in, the first one and then reloads of it. */
  GVC_BENCH_COLD_WINDOWS?: string;
  /** activation mode: the hello-world control's id, and whether it is activated before the product. */
  GVC_BENCH_CONTROL_ID?: string;
  GVC_BENCH_CONTROL_FIRST?: string;
}

export const askFile = (step: string) => `ask-${step}.json`;
/** JSON lines `{ start, ms }`: the extension host's event loop busy for ms from start (wall clock), during the clone step. */
export const STALLS_FILE = 'host-stalls.jsonl';
export const answerFile = (step: string) => `answer-${step}.json`;

export interface ActivationSample {
  /** The extension was not active and its main module not in require.cache when the suite started. */
  fresh: boolean;
  /** performance.now() around the CommonJS load of dist/extension.js (compile + evaluate, its requires included). */
  moduleLoadMs: number;
  /** performance.now() around the extension's activate() call (and its promise, if it returned one). */
  activateMs: number;
  /** The setup activate() leaves for a tick later (status-bar item, lenses, watchers), as the extension timed it. */
  deferredMs?: number;
  /** VS Code's own marks (Date.now(), 1 ms resolution): code/extHost/{will,did}LoadExtensionCode/<id>. */
  vscodeCodeLoadingMs?: number;
  /** VS Code's own marks: code/extHost/{will,did}ActivateExtension/<id>. */
  vscodeActivateMs?: number;
  /** `await vscode.extensions.getExtension(id).activate()` from the caller's side: VS Code's overhead included. */
  apiActivateMs: number;
  /** Time inside each require() the main module made while loading (`vscode`: VS Code builds the API object). */
  requireMs: Record<string, number>;
  /** A hello-world extension (one command) activated in the same start: what activation costs here at the least. */
  control?: { loadMs: number; activateMs: number; first: boolean };
  /** Files of the extension's dist/ other than its main module that were loaded by the end of activation. */
  alsoLoaded: string[];
  /** The first Open Panel after a fresh start (cold webview): command issued → webview answered. */
  panelColdMs: number;
  nodeVersion: string;
  vscodeVersion: string;
}

export interface NarrationRun {
  ok: boolean;
  message?: string;
  chars: number;
  chunks: number;
  concurrency: number;
  latencyMs: number;
  wallMs: number;
  idealMs: number;
  rssBeforeBytes: number;
  rssMaxBytes: number;
  rssAfterBytes: number;
  samples: number;
  /** process.memoryUsage() when RSS peaked: where the growth sits (heap, external, array buffers). */
  memoryBefore: NodeJS.MemoryUsage;
  memoryAtPeak: NodeJS.MemoryUsage;
  /** Wall clock (timeOrigin + now) when speakFile was issued and when it resolved: lines the run up with the double's log. */
  startEpochMs: number;
  endEpochMs: number;
  /** Wall clock: files changing in the audio and storage folders, the panel's tab opening to play the result. */
  events: TimelineEvent[];
}

export interface WebviewFloor {
  /** createWebviewPanel → a bare probe panel's script says "ready" (ms), panel disposed between runs. */
  openMs: number[];
  /** Host → webview → host, a bare probe panel's ping (ms). */
  roundTripMs: number[];
  /** The same ping's two legs on the wall clock: host → webview, webview → host. */
  toWebviewMs: number[];
  fromWebviewMs: number[];
  /** A probe <audio>: src set to an asWebviewUri file → canplay, webview clock (ms). */
  audioLoadMs: number[];
  /**
   * The path a fresh preview takes: the host posts the WAV (as base64: the probe cannot receive binary) → a new
   * <audio> in the probe can play it from a data: URL; host post → canplay on the wall clock (ms).
   */
  bytesToPlayableMs?: number[];
  audioBytes: number;
}

export interface HostResult {
  nodeVersion: string;
  vscodeVersion: string;
  /** Every Open Panel → ready, in order; the first one is the window's first (cold) open. */
  panelOpenMs: number[];
  narration: NarrationRun[];
  /** Export of the narration script again, unchanged and after a one-sentence edit (chunk cache). */
  reexport?: ReexportRun;
  webviewFloor?: WebviewFloor;
  /** What the runner answered for the clone step (see CloneAnswer). */
  clone?: CloneAnswer;
  readAlong?: ReadAlongRun[];
  /** Read-along with a Zhipu voice against the streaming double (test/bench/readAlong.ts). */
  streamedReadAlong?: StreamedReadAlongRun[];
}

/** The streaming double's pacing for the streamed read-along bench: the first frame, and the whole first chunk. */
export const STREAM_FIRST_FRAME_MS = 300;
export const STREAM_WHOLE_CHUNK_MS = 1500;
/** The streamed read's first sentence (its first chunk) has exactly this many characters: the runner paces for it. */
export const STREAM_FIRST_SENTENCE_CHARS = 200;

/** One read-along run with a Zhipu voice, its chunks streamed (the page plays pieces as they come). */
export interface StreamedReadAlongRun {
  chars: number;
  /** When Speak File was run (Date.now in the extension host, the runner's clock too). */
  commandAt: number;
  /** Speak File → the page starts the audio of the first piece. */
  firstSoundMs: number;
  /** Speak File → the host hands the player the first piece. */
  firstPieceInHostMs: number;
  /** Speak File → the player's script said it listens, when that happened during the run (the view was shown anew). */
  playerReadyMs?: number;
  /** Pieces handed to the player in the run. */
  pieces: number;
  /** The most silence the page scheduled between a piece (or chunk) and the audio before it; underruns: it ran dry. */
  joinGapMs: number;
  underruns: number;
}

/** One read-along run (test/bench/readAlong.ts). */
export interface ReadAlongRun {
  chars: number;
  /** Sentences in the text read. */
  sentences: number;
  /** When Speak File was run (Date.now in the extension host: the same clock as the double's tap). */
  commandAt: number;
  /** Speak File → the player starts the audio (wall clock, both sides on this machine). */
  firstSoundMs: number;
  /** The double's configured delay per request (the time it takes to answer is measured by the runner's tap). */
  firstChunkLatencyMs: number;
  /** Speak File → the host has the first chunk written and posts it (the rest of firstSoundMs is the webview's). */
  firstChunkInHostMs: number;
  /** The most silence scheduled between two chunks while playing; underruns: times it ran dry. */
  joinGapMs: number;
  underruns: number;
  /** Audio crossed a sentence boundary → the decoration moved, per crossing. */
  highlightLagsMs: number[];
  /** The first read in a fresh window (no warm-up read before it: the player's view is created by this read). */
  cold?: boolean;
  /** Speak File → the host resolved the player's view / the player's script said it listens (a first showing only). */
  viewResolvedMs?: number;
  playerReadyMs?: number;
  /** The cold runs' window: 0 the session's first (a new browser profile: VS Code registers its webview service
   *  worker), n the n-th reload (the same profile and origin, a new window and extension host). */
  window?: number;
  /** How long VS Code's webview host page waited for its service worker before it showed the player's page. */
  serviceWorkerWaitMs?: number;
}

/** The webview host page's marks (Date.now clock): given the page to show, and its service worker ready. */
export interface WebviewMarks {
  started?: number;
  workerReady?: number;
}

export interface TimelineEvent {
  what: string;
  at: number;
}

/** The suite asks for this once the panel is open and ready. */
export interface CloneAsk {
  panelOpen: true;
}

export interface CloneAnswer {
  /** Webview clock: click on "Clone and preview" → the new preview's <audio> fires canplay (readyState ≥ 3). */
  panelMs: number[];
  /** Runner clock: undici POST clone + GET audio (body read), same double, same run. */
  bareMs: number[];
  /** Per measured panel run: what happened when, in ms from the click (the double's log and the webview's messages). */
  timelines: TimelineEvent[][];
  /** The first (unmeasured) run of each: lazy bundle load, connection set-up. */
  warmupPanelMs?: number;
  warmupBareMs?: number;
  /** Clone requests the double received in the whole step (panel and bare): twice the runs + warm-ups. */
  clonePosts?: number;
  error?: string;
}

export interface ReexportRun {
  chunks: number;
  unchangedSent: number;
  unchangedWallMs: number;
  editedSent: number;
  editedWallMs: number;
  chunkLatencyMs: number;
}
