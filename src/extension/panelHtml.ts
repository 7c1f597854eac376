import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/** The panel's document: a strict CSP (no inline script or style, no eval), every asset through asWebviewUri. */
export function renderPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `media-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${asset('dist', 'webview.css')}">
<title>GLM Voice Clone</title>
</head>
<body>
<main id="app">
<h1>Clone a voice</h1>
<form id="clone-form" novalidate>
  <div class="field">
    <label for="sampleUrl">Sample audio URL</label>
    <input id="sampleUrl" name="sampleUrl" type="url" autocomplete="off" spellcheck="false" placeholder="https://example.com/sample.wav" aria-describedby="sampleUrl-hint sampleUrl-error">
    <p class="hint" id="sampleUrl-hint">A public WAV or MP3 of one speaker, 3–30 s, at most 10 MB.</p>
    <p class="error" id="sampleUrl-error" hidden></p>
  </div>
  <div class="field">
    <label for="transcript">Sample transcript (optional)</label>
    <textarea id="transcript" name="transcript" rows="2" placeholder="What is said in the sample, word for word" aria-describedby="transcript-error"></textarea>
    <p class="error" id="transcript-error" hidden></p>
  </div>
  <div class="field">
    <label for="text">Text to preview</label>
    <textarea id="text" name="text" rows="4" placeholder="The sentence you want to hear in the cloned voice" aria-describedby="text-count text-error"></textarea>
    <p class="hint" id="text-count"></p>
    <p class="error" id="text-error" hidden></p>
  </div>
  <div class="field">
    <label for="voiceName">Voice name</label>
    <input id="voiceName" name="voiceName" type="text" autocomplete="off" spellcheck="false" maxlength="64" aria-describedby="voiceName-hint voiceName-error">
    <p class="hint" id="voiceName-hint">Unique; letters, digits, “-” and “_”.</p>
    <p class="error" id="voiceName-error" hidden></p>
  </div>
  <div class="actions">
    <button type="submit" id="clone">Clone and preview</button>
    <button type="button" id="cancel" class="secondary" hidden>Cancel</button>
    <span id="progress" role="status" aria-live="polite"></span>
  </div>
  <div id="form-error" class="banner" role="alert" hidden>
    <span id="form-error-text"></span>
    <button type="button" id="form-error-action" class="secondary" hidden></button>
  </div>
</form>
<section id="result" aria-labelledby="result-title" hidden>
  <h2 id="result-title">Preview</h2>
  <audio id="player" controls preload="auto"></audio>
  <div class="row">
    <label for="speed">Playback speed</label>
    <select id="speed">
      <option value="0.75">0.75×</option>
      <option value="1" selected>1×</option>
      <option value="1.25">1.25×</option>
      <option value="1.5">1.5×</option>
      <option value="2">2×</option>
    </select>
  </div>
  <div class="row">
    <span>Voice id</span>
    <code id="voiceId"></code>
    <button type="button" id="copy" class="secondary" title="Copy the voice id">Copy</button>
  </div>
  <p class="hint" id="elapsed"></p>
</section>
<section id="voices" aria-labelledby="voices-title">
  <h2 id="voices-title">Voices</h2>
  <p class="hint" id="active-voice"></p>
  <ul id="voice-list" class="list"></ul>
  <p class="hint" id="voices-empty">Voices you clone are listed here. Novita keeps them; this list is this editor’s record.</p>
</section>
<section id="history" aria-labelledby="history-title">
  <h2 id="history-title">History</h2>
  <ul id="history-list" class="list"></ul>
  <p class="hint" id="history-empty">Every preview and spoken text is kept here to replay or save.</p>
</section>
</main>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
}
