import vscode = require('vscode');
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { l10n } from '../platform/describe';

let template: string | undefined;

/** The panel's static labels, in the display language (the template's {{name}}s). */
function labels(): Record<string, string> {
  return {
    cloneTitle: l10n.t('Clone a voice'),
    sampleUrlLabel: l10n.t('Sample audio URL'),
    sampleUrlHint: l10n.t('A public WAV or MP3 URL, or a file on this computer (Browse…, a workspace file, or drop one from the Explorer holding Shift): one speaker, 3–30 s, at most 10 MB. Novita clones from URLs, Zhipu from files.'),
    browseSample: l10n.t('Browse…'),
    workspaceSample: l10n.t('Workspace File…'),
    clearSampleFile: l10n.t('Use a URL Instead'),
    playSample: l10n.t('Play sample'),
    sampleAudio: l10n.t('The sample audio'),
    transcriptLabel: l10n.t('Sample transcript (optional)'),
    transcribeTitle: l10n.t("Fill the transcript from the sample with Novita's speech recognition"),
    transcribe: l10n.t('Transcribe sample'),
    transcriptPlaceholder: l10n.t('What is said in the sample, word for word'),
    transcriptHint: l10n.t('A transcript that matches the sample word for word helps the voice not swallow words.'),
    replaceMine: l10n.t('Replace my text'),
    keepMine: l10n.t('Keep mine'),
    textLabel: l10n.t('Text to preview'),
    textPlaceholder: l10n.t('The sentence you want to hear in the cloned voice'),
    voiceNameLabel: l10n.t('Voice name'),
    voiceNameHint: l10n.t('Unique; letters, digits, “-” and “_”.'),
    consentLabel: l10n.t('I have the right to clone this voice'),
    consentHint: l10n.t('Required before a sample is cloned for the first time: it is your own voice, or its owner agreed. Recorded with the voice and the date.'),
    cloneButton: l10n.t('Clone and preview'),
    cancel: l10n.t('Cancel'),
    previewTitle: l10n.t('Preview'),
    previewAudio: l10n.t('The preview audio'),
    playbackSpeed: l10n.t('Playback speed'),
    voiceIdLabel: l10n.t('Voice id'),
    copyVoiceIdTitle: l10n.t('Copy the voice id'),
    copy: l10n.t('Copy'),
    voicesTitle: l10n.t('Voices'),
    voicesEmpty: l10n.t('Voices you clone are listed here. Novita keeps them; this list is this editor’s record.'),
    historyTitle: l10n.t('History'),
    historyEmpty: l10n.t('Every preview and spoken text is kept here to replay or save.'),
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/**
 * The translations the panel's script words itself with (English template → display language): the table
 * vscode.l10n.t reads from, empty in English. Embedded as JSON data (never run: CSP allows only the nonce'd script);
 * "<" is escaped so no translation can close the element.
 */
function stringsJson(): string {
  return JSON.stringify(vscode.l10n.bundle ?? {}).replace(/</g, '\\u003c');
}

/**
 * The panel's document (media/panel.html, read on first use so its markup is not in the activation bundle): a strict
 * CSP (no inline script or style, no eval) and every asset through asWebviewUri.
 */
export function renderPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  template ??= readFileSync(vscode.Uri.joinPath(extensionUri, 'media', 'panel.html').fsPath, 'utf8');
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    // data: and blob: only for a fresh preview whose bytes the host posted (a data: URL for a small one: it loads
    // without a trip through the browser's blob store); a media source cannot run script. No network origin beyond
    // the webview's own resources.
    `media-src ${webview.cspSource} data: blob:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const text = Object.fromEntries(Object.entries(labels()).map(([k, v]) => [k, escapeHtml(v)]));
  const values: Record<string, string> = {
    ...text,
    lang: escapeHtml(vscode.env.language),
    strings: stringsJson(),
    csp,
    nonce,
    styleUri: asset('dist', 'webview.css'),
    scriptUri: asset('dist', 'webview.js'),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}
