/**
 * Which JSON documents KV Lens looks at. Decided from what is cheap first: the language, the file name
 * (other tools' well-known files are never model configs), a user glob; then the core's text sniff and
 * its `isModelConfig` decide from the content.
 */
import { firstMatchingGlob } from './glob';
import type { GlobTarget } from './glob';

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
