/**
 * A benchmark worker report as the panel shows it (`PanelBenchmarkRun`): the worker's results as they are
 * (the panel's result type is a subset of them, under the same names), with where and when it ran in words.
 */
import type { BenchReport } from '../../shared/benchProtocol';
import type { PanelBenchmarkRun } from '../../shared/panelProtocol';

/** Where a run happened, in words: "AMD EPYC (16 cores), cuda on NVIDIA H200, onnxruntime 1.22.0". */
export function describeProvenance(report: BenchReport): string {
  const p = report.provenance;
  const device = p.adapter ? ` on ${p.adapter}${p.backend ? ` (${p.backend})` : ''}` : '';
  return `${p.cpuModel} (${p.cpuCores} cores), ${p.ep}${device}, ${p.dtype}, onnxruntime ${p.ortVersion}`;
}

/** The whole report as the panel's benchmark run. */
export function toPanelRun(report: BenchReport): PanelBenchmarkRun {
  return { results: report.results, provenance: describeProvenance(report), date: report.provenance.date };
}
