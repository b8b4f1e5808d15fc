/**
 * Findings as editor diagnostics, in plain data: the line/column range the analysis located, the stable
 * rule code, and the source every KV Lens diagnostic carries so quick fixes can find their own. The
 * diagnostics collection (diagnostics.ts) builds every `vscode.Diagnostic` from `toDiagnosticData`.
 */
import type { Finding, Severity } from '../core/types';
import type { LineRange } from '../core/parse';
import type { LocatedFinding } from '../shared/analysisProtocol';

/** The `source` of every KV Lens diagnostic. */
export const DIAGNOSTIC_SOURCE = 'KV Lens';

/** Everything a `vscode.Diagnostic` needs, without `vscode`. */
export interface DiagnosticData {
  range: LineRange;
  severity: Severity;
  code: string;
  message: string;
  source: typeof DIAGNOSTIC_SOURCE;
}

/** One located finding as diagnostic data. */
export function toDiagnosticData(finding: LocatedFinding): DiagnosticData {
  return { range: finding.lines, severity: finding.severity, code: finding.code, message: finding.message, source: DIAGNOSTIC_SOURCE };
}

/**
 * The finding a diagnostic came from: same code and same start. Quick fixes use it to get back from the
 * diagnostic VS Code hands them to the finding's fixes.
 */
export function findingFor<F extends Finding>(findings: readonly F[], code: string, offset: number): F | undefined {
  return findings.find((f) => f.code === code && f.range.offset === offset);
}
