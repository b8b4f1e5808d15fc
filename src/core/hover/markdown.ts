/**
 * Markdown building for hovers. Everything taken from a config file (model types, layer labels, dtype names,
 * notes that quote values) goes through `esc` or `code`, so it can never become a link, HTML or a command URI;
 * only the command links built here by `commandLink` carry a target, and their ids are recorded so the editor
 * layer can trust exactly those.
 */
import { escapeText } from '../escape';

/** Longest file-provided string shown in a hover. */
const MAX_TEXT = 200;

/**
 * Escapes text for markdown: every ASCII punctuation character markdown or GFM autolinks could use is
 * backslash-escaped (`:` and `.` too, so `command:x` and `www.x` never autolink), `<`, `>` and `&` become
 * entities, control characters and newlines become spaces, and long strings are cut.
 */
export function esc(s: string): string {
  // Line breaks and C0 controls read as spaces; what else cannot be shown raw (C1, bidi overrides and
  // isolates, lone surrogates) is written as a visible escape by the one escaper (escape.ts).
  let t = escapeText(s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' '));
  if (t.length > MAX_TEXT) t = `${t.slice(0, MAX_TEXT - 3)}...`;
  return t.replace(/[\\`*_{}[\]()#+\-.!|~:<>&$]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/**
 * A fenced code block (no markdown, links or HTML are interpreted inside). Backticks in the content are
 * replaced so the fence cannot be closed early.
 */
export function codeBlock(lines: string[]): string {
  const body = lines.map((l) => l.replace(/`/g, "'").replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ')).join('\n');
  return `\`\`\`text\n${body}\n\`\`\``;
}

/** Command ids hovers link to (the manifest test checks each is registered). */
export const HOVER_COMMANDS = { openPanel: 'kvLens.openPanel', runBenchmark: 'kvLens.runBenchmark' } as const;

/** Collects the command ids a hover links to. */
export class CommandLinks {
  readonly used: string[] = [];
  constructor(private readonly documentUri: string | undefined) {}

  /** `[title](command:id?args)` with args `[{ "uri": documentUri }]`; nothing when there is no document URI. */
  link(title: string, id: string): string | undefined {
    if (this.documentUri === undefined) return undefined;
    const args = encodeURIComponent(JSON.stringify([{ uri: this.documentUri }])).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    if (!this.used.includes(id)) this.used.push(id);
    return `[${esc(title)}](command:${id}?${args})`;
  }
}

/** A two-column markdown table; cells must already be escaped. */
export function table(rows: [string, string][]): string {
  return ['| | |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
}

/** "1 x", "2.5 x" without trailing zeros. */
export function times(x: number): string {
  if (!Number.isFinite(x)) return 'unbounded';
  return `${Number(x.toFixed(x >= 10 ? 1 : 2))}x`;
}
