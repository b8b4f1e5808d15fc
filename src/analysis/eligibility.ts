/**
 * Which JSON documents KV Lens looks at. Decided from what is cheap first: the language, the file name
 * (other tools' well-known files are never model configs), a user glob; then the core's text sniff and
 * its `isModelConfig` decide from the content.
 */
import picomatch from 'picomatch';

/** Where a document lives. */
export interface GlobTarget {
  /** Absolute path (`/home/me/models/llama/config.json`). */
  path: string;
  /** Path relative to its workspace folder, when it is inside one (`models/llama/config.json`). */
  relativePath?: string;
}

// Globs are compiled by picomatch (the maintained matcher; VS Code's own `languages.match` needs a live
// document and the analysis layer runs without `vscode`). `posix` makes `[!...]` a negated class as in a
// shell; `dot` lets `*` match dotted names, as users expect of a settings glob. Compiled once per glob.
const compiled = new Map<string, (path: string) => boolean>();
function matcher(glob: string): (path: string) => boolean {
  let m = compiled.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: true, posix: true });
    if (compiled.size > 256) compiled.clear();
    compiled.set(glob, m);
  }
  return m;
}

/**
 * True when the document matches the glob. Like `.gitignore`: a glob without `/` matches the file name
 * anywhere; an absolute glob matches the absolute path; any other glob matches the workspace-relative
 * path (or, outside a workspace, the tail of the absolute path).
 */
export function matchesGlob(glob: string, target: GlobTarget): boolean {
  const pattern = glob.trim().replace(/\\/g, '/');
  if (!pattern) return false;
  const path = target.path.replace(/\\/g, '/');
  if (!pattern.includes('/')) return matcher(pattern)(path.slice(path.lastIndexOf('/') + 1));
  if (pattern.startsWith('/') || /^[A-Za-z]:\//.test(pattern)) return matcher(pattern)(path);
  const bare = pattern.replace(/^\.\//, '');
  const relative = target.relativePath?.replace(/\\/g, '/');
  if (relative !== undefined) return matcher(bare)(relative);
  return matcher(`**/${bare}`)(path);
}

/** The first glob the document matches, or undefined. */
export function firstMatchingGlob(globs: readonly string[], target: GlobTarget): string | undefined {
  return globs.find((g) => matchesGlob(g, target));
}

/** Languages whose documents may be model configs. */
export const MODEL_CONFIG_LANGUAGES: readonly string[] = ['json', 'jsonc'];

/** What the editor layer knows about a document before reading it. */
export interface DocumentFacts extends GlobTarget {
  languageId: string;
  /** URI scheme: `file`, `untitled`, `vscode-userdata` (the user's settings), a virtual file system... */
  scheme: string;
}

/** How a document came to be treated, or not, as a model config. */
export type Eligibility =
  | { kind: 'ignored'; reason: string }
  /** Matched `kvLens.extraGlobs`: analysed whatever its content says. */
  | { kind: 'glob'; glob: string }
  /** Worth sniffing and analysing; the content decides. */
  | { kind: 'content' };

// Files of other tools that are JSON, often opened, and never model configs.
const TOOL_FILE = /^(package(-lock)?\.json|npm-shrinkwrap\.json|[tj]sconfig(\..*)?\.json|composer(\.lock|\.json)|\.eslintrc(\.json)?|\.babelrc(\.json)?|\.prettierrc(\.json)?|lerna\.json|turbo\.json|deno\.jsonc?|devcontainer\.json|.*\.code-workspace|.*\.code-snippets|.*\.tmLanguage\.json|.*\.schema\.json)$/i;
// VS Code's own configuration: user settings live on this scheme, workspace settings under .vscode/.
const EDITOR_SCHEMES = new Set(['vscode-userdata', 'vscode-settings', 'output', 'git', 'vscode-notebook-cell']);

/** Decides from the document's facts alone; `ignored` documents are never read. */
export function eligibility(facts: DocumentFacts, extraGlobs: readonly string[]): Eligibility {
  if (!MODEL_CONFIG_LANGUAGES.includes(facts.languageId)) return { kind: 'ignored', reason: `language ${facts.languageId}` };
  if (EDITOR_SCHEMES.has(facts.scheme)) return { kind: 'ignored', reason: `${facts.scheme} document` };
  const glob = firstMatchingGlob(extraGlobs, facts);
  if (glob !== undefined) return { kind: 'glob', glob };
  const path = facts.path.replace(/\\/g, '/');
  if (/\/\.vscode\/[^/]+$/.test(path)) return { kind: 'ignored', reason: 'VS Code workspace configuration' };
  if (TOOL_FILE.test(path.slice(path.lastIndexOf('/') + 1))) return { kind: 'ignored', reason: 'another tool\'s configuration file' };
  return { kind: 'content' };
}
