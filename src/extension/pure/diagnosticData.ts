/**
 * Findings as editor diagnostics, in plain data: line/column ranges from the core's offsets, the stable
 * rule code, and the source every KV Lens diagnostic carries so quick fixes can find their own.
 */
import { positionAt } from '../../core/parse';
import type { Finding, Severity, SourceRange } from '../../core/types';

/** The `source` of every KV Lens diagnostic. */
export const DIAGNOSTIC_SOURCE = 'KV Lens';

/** A zero-based line/column range, as VS Code's `Range` takes it. */
export interface LineRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** Everything a `vscode.Diagnostic` needs, without `vscode`. */
export interface DiagnosticData {
  range: LineRange;
  severity: Severity;
  code: string;
  message: string;
  source: typeof DIAGNOSTIC_SOURCE;
}

/** Converts an offset range to lines and columns, using the parse's line starts. */
export function toLineRange(lineStarts: number[], range: SourceRange): LineRange {
  const start = positionAt(lineStarts, range.offset);
  const end = positionAt(lineStarts, range.offset + Math.max(0, range.length));
  return { startLine: start.line, startCharacter: start.column, endLine: end.line, endCharacter: end.column };
}

/** One finding as diagnostic data. */
export function toDiagnosticData(finding: Finding, lineStarts: number[]): DiagnosticData {
  return {
    range: toLineRange(lineStarts, finding.range),
    severity: finding.severity,
    code: finding.code,
    message: finding.message,
    source: DIAGNOSTIC_SOURCE,
  };
}

/**
 * The finding a diagnostic came from: same code and same start. Quick fixes use it to get back from the
 * diagnostic VS Code hands them to the finding's fixes.
 */
export function findingFor(findings: readonly Finding[], code: string, offset: number): Finding | undefined {
  return findings.find((f) => f.code === code && f.range.offset === offset);
}
