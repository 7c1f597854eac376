// The dependency rules of the layout (ARCHITECTURE.md, "The rules"). The one rule: the core and the sentences run
// anywhere (the editor, the CLI, plain Node tests), so they import neither `vscode` nor anything of the editor's host
// or webview. Around it: what the webview and the shared modules may not reach (they run in a browser page), the one
// host module that words problems, and no import circles.
// Checked by test/unit/project/dependencies.test.ts (npx depcruise --config .dependency-cruiser.cjs src).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-without-vscode',
      comment: 'src/core runs in the CLI and in Node tests: no vscode.',
      severity: 'error',
      from: { path: '^src/(core|messages)/' },
      to: { path: '(^|/)vscode$|@types/vscode' },
    },
    {
      name: 'core-stays-in-core',
      comment: 'src/core depends only on itself, Node and npm packages (not on the host, the webview or the sentences).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'messages-over-core-only',
      comment: 'src/messages words what the core reports; it depends on nothing else of ours.',
      severity: 'error',
      from: { path: '^src/messages/' },
      to: { path: '^src/(?!core/|messages/)' },
    },
    {
      name: 'cli-without-vscode',
      comment: 'dist/cli.js runs in plain Node (CI runners): no vscode, nothing of the editor host or the webview.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '(^|/)vscode$|@types/vscode|^src/(host|webview)/' },
    },
    {
      name: 'webview-without-vscode-or-host',
      comment: 'The webview runs in the browser: it shares the protocol, the core rules and the sentences, never the host, and has no vscode module (only acquireVsCodeApi).',
      severity: 'error',
      from: { path: '^src/webview/' },
      to: { path: '(^|/)vscode$|@types/vscode|^src/host/' },
    },
    {
      name: 'shared-without-vscode-or-host',
      comment: 'src/shared is bundled into both the host and the webview (a browser page): no vscode, nothing of the host or the webview.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '(^|/)vscode$|@types/vscode|^src/(host|webview)/' },
    },
    {
      name: 'host-words-through-describe',
      comment: 'The host reaches the sentences (src/messages) only through src/host/platform/describe.ts, which hands them vscode.l10n.',
      severity: 'error',
      from: { path: '^src/host/', pathNot: '^src/host/platform/describe\\.ts$' },
      to: { path: '^src/messages/' },
    },
    {
      name: 'no-circular',
      comment: 'No import circles (type-only imports count): a circle makes load order matter and the modules one unit.',
      severity: 'error',
      from: {},
      to: {
        circular: true,
      },
    },
    {
      name: 'shipped-code-not-tests',
      comment: 'The double and the harness live under test/ and never ship.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // `vscode` has no module on disk: it resolves to node_modules/@types/vscode (or stays unresolved as "vscode"),
    // and both match the rule above, so do not exclude .d.ts files.
  },
};
