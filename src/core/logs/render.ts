/**
 * A log check as plain text (the editor's "Check Engine Log..." document): a header, the settings, one padded
 * row per figure with the difference and the reason, the notes. Every string from the log or a file name goes
 * through escapeText, so the document holds no control or bidi characters.
 */
import { displayValue, escapeText, shortText } from '../escape';
import { ENGINE_LABELS } from '../engines/types';
import type { EngineId } from '../engines/types';
import type { LogCheck } from './check';

const num = (n: number | null) => (n === null ? '-' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));

/** One start-up's comparison as text. */
export function renderCheckText(c: LogCheck, source: string): string {
  const engine = ENGINE_LABELS[c.engine as EngineId] ?? c.engine;
  const rows = c.figures.map((f) => [
    escapeText(f.name), `${num(f.logged)} ${f.unit}`, f.predicted === null ? '-' : `${num(f.predicted)} ${f.unit}`,
    f.predicted === null ? '' : num(+(f.predicted - f.logged).toFixed(3)), f.match === null ? 'n/a' : f.match ? 'yes' : 'NO', escapeText(f.reason ?? ''),
  ]);
  const head = ['figure', 'logged', 'predicted', 'difference', 'match', 'why / note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `${escapeText(engine)}${c.version ? ` ${escapeText(c.version)}` : ''}: model ${c.model ? escapeText(c.model) : '(not named in the log)'}`,
    `model read from: ${escapeText(source)}`,
    `settings: ${Object.entries(c.settings).filter(([, v]) => v !== null).slice(0, 40).map(([k, v]) => `${shortText(k)}=${shortText(displayValue(v))}`).join(', ') || '(none printed)'}`,
    '',
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    ...(c.notes.length ? ['', ...c.notes.map((n) => `- ${escapeText(n)}`)] : []),
  ].join('\n');
}
