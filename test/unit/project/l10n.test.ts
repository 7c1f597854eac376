import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, extractBundle, L10N_DIR, nonLiteralCalls, REPO_ROOT } from '../../../scripts/l10n/extract';

// English and Simplified Chinese for what users read: the contributions in package.json (package.nls*.json) and the
// messages of src/ (l10n/bundle.l10n*.json, exported by `npm run l10n:export`).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJson<T = Json>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const pkg = readJson<{ [key: string]: Json }>(join(REPO_ROOT, 'package.json'));
const nlsEn = readJson<Record<string, string>>(join(REPO_ROOT, 'package.nls.json'));
const nlsZh = readJson<Record<string, string>>(join(REPO_ROOT, 'package.nls.zh-cn.json'));
const bundleEn = readJson<Record<string, string>>(BUNDLE);
const bundleZh = readJson<Record<string, string>>(join(L10N_DIR, 'bundle.l10n.zh-cn.json'));

/** Values a translation may leave as they are: the product's own name. Keep this list short. */
const SAME_IN_CHINESE = new Set(['GLM Voice Clone']);

/** Contribution fields a user reads (in the command palette, menus, settings, views, the extension list). */
const VISIBLE_FIELDS = new Set([
  'title',
  'shortTitle',
  'category',
  'description',
  'markdownDescription',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'enumItemLabels',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'displayName',
  'label',
  'contextualTitle',
  'tooltip',
  'placeholder',
  'altText',
]);
/** Fields a user reads only in some contribution points; elsewhere the same name is an identifier. */
const VISIBLE_IN: Record<string, string> = { name: 'views', contents: 'viewsWelcome' };

const PLACEHOLDER = /^%([^%\s]+)%$/;

/** Every user-visible string of package.json (displayName, description and `contributes`), with where it is. */
function visibleStrings(): Array<{ where: string; value: string }> {
  const out: Array<{ where: string; value: string }> = [];
  const add = (where: string, value: Json) => {
    if (typeof value === 'string') out.push({ where, value });
    else if (Array.isArray(value)) value.forEach((v, i) => add(`${where}[${i}]`, v));
    else assert.fail(`${where} is neither a string nor a list of strings`);
  };
  const walk = (node: Json, path: string[]) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, String(i)]));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const visible = VISIBLE_FIELDS.has(key) || (VISIBLE_IN[key] !== undefined && path[1] === VISIBLE_IN[key]);
        if (visible && (typeof value === 'string' || Array.isArray(value))) add([...path, key].join('.'), value);
        else walk(value, [...path, key]);
      }
    }
  };
  add('displayName', pkg.displayName);
  add('description', pkg.description);
  walk(pkg.contributes, ['contributes']);
  return out;
}

function placeholderKeysInPackage(): string[] {
  const keys: string[] = [];
  JSON.stringify(pkg, (_k, v: unknown) => {
    if (typeof v === 'string') {
      const m = PLACEHOLDER.exec(v);
      if (m) keys.push(m[1]);
    }
    return v;
  });
  return keys;
}

/** `{0}`, `{1}`… of a message, sorted, with repeats. */
function argsOf(message: string): string[] {
  return (message.match(/\{\d+\}/g) ?? []).sort();
}

/** What a translation must carry over untouched: codicons, command links, inline code. */
function fixedTokens(message: string): string[] {
  return (message.match(/\$\([a-z0-9-~]+\)|\(command:[^)]+\)|`[^`]*`/g) ?? []).sort();
}

const HAS_CHINESE = /[\u4e00-\u9fff]/;

/** Messages whose translation is missing, the same as the English, or not Chinese at all. */
function untranslated(english: Record<string, string>, chinese: Record<string, string>): string[] {
  const bad: string[] = [];
  for (const [key, en] of Object.entries(english)) {
    const zh = chinese[key];
    if (typeof zh !== 'string' || !zh.trim()) bad.push(`${key}: missing`);
    else if (SAME_IN_CHINESE.has(en)) continue;
    else if (zh === en) bad.push(`${key}: same as the English`);
    else if (!HAS_CHINESE.test(zh)) bad.push(`${key}: no Chinese in "${zh}"`);
  }
  return bad;
}

function mismatchedArgs(english: Record<string, string>, chinese: Record<string, string>): string[] {
  const bad: string[] = [];
  for (const [key, en] of Object.entries(english)) {
    const zh = chinese[key];
    if (typeof zh !== 'string') continue;
    if (argsOf(en).join() !== argsOf(zh).join()) bad.push(`${key}: ${argsOf(en).join(' ')} → ${argsOf(zh).join(' ')}`);
    if (fixedTokens(en).join() !== fixedTokens(zh).join()) bad.push(`${key}: ${fixedTokens(en).join(' ')} → ${fixedTokens(zh).join(' ')}`);
  }
  return bad;
}

function sortedKeys(o: object): string[] {
  return Object.keys(o).sort();
}

suite('l10n: package.json contributions', () => {
  test('package.json points VS Code at the l10n folder', () => {
    assert.equal(pkg.l10n, './l10n');
  });

  test('every user-visible contribution is a %key% placeholder, not raw text', () => {
    const strings = visibleStrings();
    // the walk must see the commands, settings and views, or "no raw English" proves nothing
    assert.ok(strings.length >= 30, `only ${strings.length} visible strings found`);
    const raw = strings.filter((s) => !PLACEHOLDER.test(s.value)).map((s) => `${s.where}: "${s.value}"`);
    assert.deepEqual(raw, []);
  });

  test('every %key% in package.json exists in package.nls.json and package.nls.zh-cn.json', () => {
    const used = placeholderKeysInPackage();
    assert.deepEqual(used.filter((k) => !(k in nlsEn)), [], 'missing in package.nls.json');
    assert.deepEqual(used.filter((k) => !(k in nlsZh)), [], 'missing in package.nls.zh-cn.json');
    assert.deepEqual(sortedKeys(nlsEn).filter((k) => !used.includes(k)), [], 'in package.nls.json but unused');
  });

  test('package.nls.json and package.nls.zh-cn.json have exactly the same keys', () => {
    assert.deepEqual(sortedKeys(nlsZh), sortedKeys(nlsEn));
  });

  test('every contribution has a Chinese translation keeping its {n}, codicons, command links and code', () => {
    assert.deepEqual(untranslated(nlsEn, nlsZh), []);
    assert.deepEqual(mismatchedArgs(nlsEn, nlsZh), []);
  });
});

suite('l10n: walkthrough pages', () => {
  // VS Code shows `<page>.nls.<locale>.md` in place of a walkthrough step's Markdown page when it exists.
  const pages = ((pkg.contributes as { walkthroughs: { steps: { id: string; media: { markdown?: string } }[] }[] }).walkthroughs ?? [])
    .flatMap((w) => w.steps)
    .map((s) => s.media.markdown)
    .filter((m): m is string => m !== undefined);

  test('every step page has a Chinese page beside it, with the same headings, links and code', () => {
    assert.ok(pages.length >= 3, `${pages.length} step pages`);
    for (const page of pages) {
      const zhPath = join(REPO_ROOT, page.replace(/\.md$/, '.nls.zh-cn.md'));
      assert.ok(existsSync(zhPath), `${page}: no ${page.replace(/\.md$/, '.nls.zh-cn.md')}`);
      const en = readFileSync(join(REPO_ROOT, page), 'utf8');
      const zh = readFileSync(zhPath, 'utf8');
      assert.ok((zh.match(/[\u4e00-\u9fff]/g) ?? []).length > 40, `${page}: the Chinese page is mostly not Chinese`);
      const shape = (md: string) => ({
        headings: (md.match(/^#+ /gm) ?? []).length,
        bullets: (md.match(/^- /gm) ?? []).length,
        links: (md.match(/\]\((?:https?|command):[^)]*\)/g) ?? []).sort(),
        code: (md.match(/`[^`]+`/g) ?? []).sort(),
      });
      assert.deepEqual(shape(zh), shape(en), `${page}: the Chinese page keeps the English one's structure`);
    }
  });
});

suite('l10n: message bundle', function () {
  // the extractor loads tree-sitter's WebAssembly grammar on first use
  this.timeout(30_000);

  test('every l10n.t( in src/ has a literal message the extractor can see', () => {
    assert.deepEqual(nonLiteralCalls(), []);
  });

  test('l10n/bundle.l10n.json is what `npm run l10n:export` makes of src/ now', async () => {
    const fresh = await extractBundle();
    const keys = sortedKeys(fresh);
    // src/messages alone holds over a hundred sentences: an empty extraction means the extractor stopped matching
    assert.ok(keys.length >= 100, `the extractor found only ${keys.length} messages under src/`);
    const stale = sortedKeys(bundleEn).filter((k) => !(k in fresh));
    const missing = keys.filter((k) => !(k in bundleEn));
    assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 'run `npm run l10n:export`, then translate the new messages');
    for (const k of keys) assert.equal(bundleEn[k], fresh[k]);
  });

  test('l10n/bundle.l10n.zh-cn.json has exactly the keys of the English bundle', () => {
    assert.deepEqual(sortedKeys(bundleZh), sortedKeys(bundleEn));
  });

  test('every message has a Chinese translation with the same {n} placeholders', () => {
    assert.deepEqual(untranslated(bundleEn, bundleZh), []);
    assert.deepEqual(mismatchedArgs(bundleEn, bundleZh), []);
  });
});

suite('l10n: the checks themselves', () => {
  test('a missing, copied or placeholder-losing translation is reported', () => {
    const en = { a: 'Open {0}', b: 'Close', c: 'Run $(play)', d: 'GLM Voice Clone' };
    assert.deepEqual(untranslated(en, { a: '打开 {0}', b: 'Close', d: 'GLM Voice Clone' } as Record<string, string>), [
      'b: same as the English',
      'c: missing',
    ]);
    assert.deepEqual(mismatchedArgs(en, { a: '打开', b: '关闭', c: '运行', d: 'GLM Voice Clone' }), ['a: {0} → ', 'c: $(play) → ']);
  });
});
