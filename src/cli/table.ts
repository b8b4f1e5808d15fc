/** Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned. */

const NUMERIC = /^[-+~]?[\d.,]+\s*([kMGTP]i?B|B|%|x|tok|\*)?( \*)?$/;

/** Renders a header row, a rule and the rows, each line prefixed by `indent`. */
export function renderTable(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = header.map((_, i) => rows.length > 0 && rows.every((r) => NUMERIC.test(r[i] ?? '')));
  const line = (cells: string[]) => indent + cells.map((c, i) => (align[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
