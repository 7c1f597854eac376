import * as vscode from 'vscode';

export const SECTION = 'glmVoiceClone';
export const DEFAULT_BASE_URL = 'https://api.novita.ai';

export interface Settings {
  apiBaseUrl: string;
  requestTimeoutMs: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const timeout = c.get<number>('requestTimeoutSeconds', 60);
  return {
    apiBaseUrl: (c.get<string>('apiBaseUrl', DEFAULT_BASE_URL) || DEFAULT_BASE_URL).trim().replace(/\/+$/, ''),
    requestTimeoutMs: Math.min(600, Math.max(5, Number.isFinite(timeout) ? timeout : 60)) * 1000,
  };
}

/** VS Code's own proxy settings: a bundled undici does not get VS Code's proxy patching. */
export function readProxySettings(): { url?: string; strictSSL: boolean } {
  const http = vscode.workspace.getConfiguration('http');
  const url = http.get<string>('proxy')?.trim();
  return { url: url || undefined, strictSSL: http.get<boolean>('proxyStrictSSL', true) };
}
