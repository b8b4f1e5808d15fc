/**
 * A benchmark worker report as the panel shows it (`PanelBenchmarkRun`): the panel protocol's result is
 * a structural subset of the worker's, with `speedupVsMha` -> `speedup` and `speedupBound` -> `bound`.
 */
import type { BenchReport, BenchResult } from '../../shared/benchProtocol';
import type { PanelBenchmarkResult, PanelBenchmarkRun } from '../../shared/panelProtocol';

/** One worker result as a panel result; optional fields only when the worker had them. */
export function toPanelResult(r: BenchResult): PanelBenchmarkResult {
  const out: PanelBenchmarkResult = {
    variant: { kvHeads: r.variant.kvHeads, label: r.variant.label, groupSize: r.variant.groupSize },
    phase: r.phase,
    context: r.context,
    prompt: r.prompt,
    batch: r.batch,
    dtype: r.dtype,
    ep: r.ep,
    path: r.path,
    headline: r.headline,
    medianMs: r.medianMs,
    p10Ms: r.p10Ms,
    p90Ms: r.p90Ms,
    tokensPerS: r.tokensPerS,
    achievedGBps: r.achievedGBps,
    bound: r.speedupBound,
  };
  if (r.ceilingGBps !== undefined) out.ceilingGBps = r.ceilingGBps;
  if (r.speedupVsMha !== undefined) out.speedup = r.speedupVsMha;
  return out;
}

/** Where a run happened, in words: "AMD EPYC (16 cores), cuda on NVIDIA H200, onnxruntime 1.22.0". */
export function describeProvenance(report: BenchReport): string {
  const p = report.provenance;
  const device = p.adapter ? ` on ${p.adapter}${p.backend ? ` (${p.backend})` : ''}` : '';
  return `${p.cpuModel} (${p.cpuCores} cores), ${p.ep}${device}, ${p.dtype}, onnxruntime ${p.ortVersion}`;
}

/** The whole report as the panel's benchmark run. */
export function toPanelRun(report: BenchReport): PanelBenchmarkRun {
  return { results: report.results.map(toPanelResult), provenance: describeProvenance(report), date: report.provenance.date };
}
