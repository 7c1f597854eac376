// English a user reads that does not go through l10n: string literals handed to the editor's user-facing APIs
// (messages, input boxes, quick picks, progress titles, status bar, tree items, diagnostics, code actions) in the
// host, and to the DOM's visible text and accessible names in the webview. Found with the TypeScript compiler's AST.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, SRC_DIR } from './extract';

/**
 * Text that needs no translation: the product's name and the API key's prefix as a placeholder shows it. Codicons
 * (`$(name)`), URLs and `${…}` parts are never words. Keep this list short.
 */
export const ALLOWED_WORDS = ['GLM Voice Clone', 'sk_…'];

/** Calls whose every string argument is read by the user (vscode.window.showErrorMessage('…', 'Button')…). */
const MESSAGE_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage']);
/** Constructors whose string arguments are read: TreeItem label, Diagnostic message, CodeAction title, MarkdownString. */
const READ_CONSTRUCTORS = new Set(['TreeItem', 'Diagnostic', 'CodeAction', 'MarkdownString', 'StatusBarItem']);
/** Object-literal properties and assignments that a user reads: titles, prompts, placeholders, tooltips, labels… */
const READ_PROPERTIES = new Set(['title', 'prompt', 'placeHolder', 'placeholder', 'detail', 'tooltip', 'label', 'description', 'message', 'text', 'textContent', 'innerText', 'ariaLabel', 'alt', 'openLabel', 'saveLabel']);
/** Attributes a user (or a screen reader) reads, set with setAttribute. */
const READ_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'title', 'placeholder', 'alt', 'aria-valuetext', 'aria-roledescription']);

export interface Bypass {
  file: string;
  line: number;
  text: string;
}

/** True when `text` (a literal's static part) holds a word: letters left once allowed names, codicons and URLs are out. */
export function hasWords(text: string): boolean {
  let rest = text;
  for (const w of ALLOWED_WORDS) rest = rest.split(w).join(' ');
  rest = rest.replace(/\$\([a-z0-9~-]+\)/g, ' ').replace(/https?:\/\/\S+/g, ' ');
  return /\p{L}{2,}/u.test(rest);
}

function isL10nCall(node: ts.Node): boolean {
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't' && /(^|\.)l10n$/.test(node.expression.expression.getText());
}

/** The literal parts of an expression a user would read, walked through ?:, ||, ??, + and template strings. */
function wordyLiterals(node: ts.Expression, out: ts.Node[]): void {
  if (isL10nCall(node)) return;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) return wordyLiterals(node.expression, out);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    if (hasWords(node.text)) out.push(node);
    return;
  }
  if (ts.isTemplateExpression(node)) {
    const statics = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
    if (hasWords(statics)) out.push(node);
    for (const span of node.templateSpans) wordyLiterals(span.expression, out);
    return;
  }
  if (ts.isConditionalExpression(node)) {
    wordyLiterals(node.whenTrue, out);
    wordyLiterals(node.whenFalse, out);
    return;
  }
  if (ts.isBinaryExpression(node) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(node.operatorToken.kind)) {
    wordyLiterals(node.left, out);
    wordyLiterals(node.right, out);
    return;
  }
  if (ts.isArrayLiteralExpression(node)) for (const e of node.elements) if (!ts.isSpreadElement(e) && !ts.isOmittedExpression(e)) wordyLiterals(e, out);
}

function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

/** Every bypass in one source text (`fileName` only names it in the result). */
export function findBypasses(fileName: string, text: string): Bypass[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      if (name && MESSAGE_CALLS.has(name)) {
        for (const arg of node.arguments) {
          if (ts.isObjectLiteralExpression(arg)) continue; // options: their `detail` is a property below
          wordyLiterals(arg, found);
        }
      }
      if (name === 'setAttribute' && node.arguments.length === 2 && ts.isStringLiteral(node.arguments[0]) && READ_ATTRIBUTES.has(node.arguments[0].text)) {
        wordyLiterals(node.arguments[1], found);
      }
    }
    if (ts.isNewExpression(node)) {
      const name = calleeName(node.expression);
      if (name && READ_CONSTRUCTORS.has(name)) for (const arg of node.arguments ?? []) wordyLiterals(arg, found);
    }
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && READ_PROPERTIES.has(node.name.text)) {
      wordyLiterals(node.initializer, found);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && READ_PROPERTIES.has(node.left.name.text)) {
      wordyLiterals(node.right, found);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map((n) => ({ file: fileName, line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.getText().slice(0, 120) }));
}

function scriptsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...scriptsUnder(path));
    else if (extname(entry.name) === '.ts' && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** The folders whose code talks to the user: the editor side and the panel's script. */
export const SCANNED = [join(SRC_DIR, 'host'), join(SRC_DIR, 'webview')];

export function scanForBypasses(dirs = SCANNED): Bypass[] {
  return dirs.flatMap(scriptsUnder).flatMap((path) => findBypasses(relative(REPO_ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8')));
}
