/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned. Every header
 * and cell goes through {@link escapeText} before it is measured: a cell can hold text from a config.
 */
import { escapeText } from '../core/escape';

const NUMERIC = /^[-+~]?[\d.,]+\s*([kMGTP]i?B|B|%|x|tok|\*)?( \*)?$/;

/** Renders a header row, a rule and the rows, each line prefixed by `indent`. */
export function renderTable(header: string[], rows: string[][], indent = ''): string {
  const head = header.map(escapeText);
  const body = rows.map((r) => r.map((c) => escapeText(c ?? '')));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const align = head.map((_, i) => body.length > 0 && body.every((r) => NUMERIC.test(r[i] ?? '')));
  const line = (cells: string[]) => indent + cells.map((c, i) => (align[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
