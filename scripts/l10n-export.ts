// `npm run l10n:export`: writes l10n/bundle.l10n.json, the English messages of every `l10n.t('…')` under src/.
// Run it after adding or changing a message, then add the translation to l10n/bundle.l10n.zh-cn.json;
// test/unit/l10n.test.ts fails while either is behind the source.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BUNDLE, extractBundle, L10N_DIR, nonLiteralCalls, REPO_ROOT } from './l10n/extract';

async function main(): Promise<void> {
  const skipped = nonLiteralCalls();
  if (skipped.length) {
    process.stderr.write(`l10n.t( with a non-literal message cannot be extracted:\n  ${skipped.join('\n  ')}\n`);
    process.exit(1);
  }
  const bundle = await extractBundle();
  mkdirSync(L10N_DIR, { recursive: true });
  writeFileSync(BUNDLE, `${JSON.stringify(bundle, null, 2)}\n`);
  process.stdout.write(`${Object.keys(bundle).length} messages → ${relative(REPO_ROOT, BUNDLE)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
