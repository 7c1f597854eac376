import vscode = require('vscode');
import { isPresetId, type PresetId } from '../../core/master/presets';
import type { TagText } from '../../core/export/tags';
import type { NarrationSettings } from '../../core/flows/narrate';
import { DEFAULT_ZHIPU_SETTINGS, type ZhipuSettings } from '../../core/providers/connections';
import { DEFAULT_PROVIDER, isProviderId, type ProviderId } from '../../core/providers/port';
import { CHAPTER_LEVEL, DEFAULT_FORMAT, DEFAULT_MP3_KBPS, DEFAULT_SUBTITLES, MP3_BITRATES, isFormatId, isSubtitleChoice, type FormatId, type SubtitleChoice } from '../../core/export/formats';

export const SECTION = 'glmVoiceClone';
export const DEFAULT_BASE_URL = 'https://api.novita.ai';

export interface Settings {
  apiBaseUrl: string;
  requestTimeoutMs: number;
}

/** What every narration and speech runs with: the core's NarrationSettings, the watermark always decided. */
export type SpeechSettings = NarrationSettings & { watermark: boolean };

const clamp = (v: unknown, min: number, max: number, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;

export function readSpeechSettings(): SpeechSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    speed: clamp(c.get('speed'), 0.5, 2, 1),
    // Novita takes volume in (0, 10]: 0 itself is refused, so the floor is a hair above it.
    volume: clamp(c.get('volume'), 0.1, 10, 1),
    concurrency: Math.round(clamp(c.get('concurrency'), 1, 16, 4)),
    historyMaxItems: Math.round(clamp(c.get('history.maxItems'), 1, 1000, 50)),
    watermark: c.get('watermark') !== false,
  };
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const timeout = c.get<number>('requestTimeoutSeconds', 60);
  return {
    apiBaseUrl: (c.get<string>('apiBaseUrl', DEFAULT_BASE_URL) || DEFAULT_BASE_URL).trim().replace(/\/+$/, ''),
    requestTimeoutMs: Math.min(600, Math.max(5, Number.isFinite(timeout) ? timeout : 60)) * 1000,
  };
}

/** `glmVoiceClone.provider` and Zhipu's settings (`glmVoiceClone.zhipu.*`); Novita's stay in readSettings. */
export function readProviderSettings(): { provider: ProviderId; zhipu: ZhipuSettings } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const provider = c.get<string>('provider');
  const base = (c.get<string>('zhipu.apiBaseUrl') || DEFAULT_ZHIPU_SETTINGS.apiBaseUrl).trim().replace(/\/+$/, '');
  return { provider: isProviderId(provider) ? provider : DEFAULT_PROVIDER, zhipu: { apiBaseUrl: base, keepUploadedSample: c.get<boolean>('zhipu.keepUploadedSample') === true } };
}

/** `glmVoiceClone.sampleUrl`: the sample a form starts with when nothing has been typed (a team's, the demo's). */
export function readSuggestedSampleUrl(): string {
  return (vscode.workspace.getConfiguration(SECTION).get<string>('sampleUrl') ?? '').trim();
}

export interface ProxySettings {
  url?: string;
  strictSSL: boolean;
  /** `http.noProxy` joined in NO_PROXY syntax; when set, VS Code ignores the NO_PROXY variable, and so do we. */
  noProxy?: string;
  /** `http.proxySupport` is "off": no proxy at all, not even from the environment. */
  off: boolean;
}

/** VS Code's own proxy settings: a bundled undici does not get VS Code's proxy patching. */
export function readProxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  const url = http.get<string>('proxy')?.trim();
  const noProxy = http.get<unknown>('noProxy');
  const hosts = Array.isArray(noProxy) ? noProxy.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim()) : [];
  return {
    url: url || undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
    noProxy: hosts.length ? hosts.join(',') : undefined,
    off: http.get<string>('proxySupport') === 'off',
  };
}

export interface CacheSettings {
  maxBytes: number;
}

/** The chunk cache's size cap (`glmVoiceClone.cache.maxMegabytes`, 10 MB – 100 GB). */
export function readCacheSettings(): CacheSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return { maxBytes: Math.round(clamp(c.get('cache.maxMegabytes'), 10, 100_000, 1024)) * 1024 * 1024 };
}

export interface ExportSettings {
  format: FormatId;
  mp3Kbps: number;
  subtitles: SubtitleChoice;
  /** Ask before a narration that would send more characters than this (0: never ask). */
  confirmAboveChars: number;
  /** Markdown heading levels that start a chapter (0: none). */
  chapterLevel: number;
  /** The mastering preset (none: the audio as narrated). */
  preset: PresetId;
  /** Tags for files whose front matter gives none (the cover relative to the workspace folder). */
  tags: TagText;
}

export function readExportSettings(): ExportSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const format = c.get('export.format');
  const subtitles = c.get('export.subtitles');
  const kbps = c.get('export.mp3Bitrate');
  const preset = c.get('export.preset');
  return {
    format: isFormatId(format) ? format : DEFAULT_FORMAT,
    mp3Kbps: typeof kbps === 'number' && MP3_BITRATES.includes(kbps) ? kbps : DEFAULT_MP3_KBPS,
    subtitles: isSubtitleChoice(subtitles) ? subtitles : DEFAULT_SUBTITLES,
    confirmAboveChars: Math.round(clamp(c.get('narration.confirmAboveCharacters'), 0, 10_000_000, 20_000)),
    chapterLevel: Math.round(clamp(c.get('export.chapterLevel'), CHAPTER_LEVEL.min, CHAPTER_LEVEL.max, CHAPTER_LEVEL.default)),
    preset: isPresetId(preset) ? preset : 'none',
    tags: tagSettings(c),
  };
}

/** The export.author / album / year / cover settings that are set (not empty). */
function tagSettings(c: vscode.WorkspaceConfiguration): TagText {
  const out: TagText = {};
  for (const key of ['author', 'album', 'year', 'cover'] as const) {
    const value = c.get(`export.${key}`);
    if (typeof value === 'string' && value.trim()) out[key] = value.trim();
  }
  return out;
}
