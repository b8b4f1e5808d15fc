/**
 * Glob matching for `kvLens.extraGlobs`, without `vscode` so it can be tested under plain `node --test`.
 * Supports the subset people write in settings: `*`, `**`, `?`, `{a,b}` and `[...]` classes.
 */

/** Where a document lives, with forward slashes. */
export interface GlobTarget {
  /** Absolute path (`/home/me/models/llama/config.json`). */
  path: string;
  /** Path relative to its workspace folder, when it is inside one (`models/llama/config.json`). */
  relativePath?: string;
}

const cache = new Map<string, RegExp>();

/** Compiles a glob to an anchored regular expression (memoised: settings rarely change). */
export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    re = new RegExp(`^${translate(glob)}$`);
    cache.set(glob, re);
  }
  return re;
}

function translate(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole directories; a trailing or lone `**` matches anything.
        if (glob[i + 2] === '/') {
          out += '(?:[^/]*/)*';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      const close = matchingBrace(glob, i);
      if (close < 0) {
        out += '\\{';
      } else {
        out += `(?:${splitTopLevel(glob.slice(i + 1, close)).map(translate).join('|')})`;
        i = close;
      }
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
      } else {
        let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += `[${body}]`;
        i = close;
      }
    } else {
      out += /[.+^$()|\\\]]/.test(c) ? `\\${c}` : c;
    }
  }
  return out;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
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
  if (!pattern.includes('/')) {
    return globToRegExp(pattern).test(path.slice(path.lastIndexOf('/') + 1));
  }
  if (pattern.startsWith('/') || /^[A-Za-z]:\//.test(pattern)) {
    return globToRegExp(pattern).test(path);
  }
  const relative = target.relativePath?.replace(/\\/g, '/');
  if (relative !== undefined) return globToRegExp(pattern.replace(/^\.\//, '')).test(relative);
  return globToRegExp(`**/${pattern.replace(/^\.\//, '')}`).test(path);
}

/** The first glob the document matches, or undefined. */
export function firstMatchingGlob(globs: readonly string[], target: GlobTarget): string | undefined {
  return globs.find((g) => matchesGlob(g, target));
}
