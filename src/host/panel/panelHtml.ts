import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

let template: string | undefined;

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
  const values: Record<string, string> = { csp, nonce, styleUri: asset('dist', 'webview.css'), scriptUri: asset('dist', 'webview.js') };
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}
