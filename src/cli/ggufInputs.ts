/**
 * `kv-lens analyze model.gguf`: a GGUF header read (src/io/gguf), described with llama.cpp's rules
 * (core/gguf/describe), reported in the same JSON shape as a config, with exact weights from the tensor infos
 * and llama.cpp's own allocation (core/engines/llamacpp) beside the steady-state figures.
 */
import { llamaCacheType, llamaCppKv } from '../core/engines/llamacpp';
import type { LlamaCppKv } from '../core/engines/llamacpp';
import { formatBytes, formatInt } from '../core/format';
import { describeGguf, GgufModelError } from '../core/gguf/describe';
import { GgufTensorError, ggufActiveParams, ggufWeights } from '../core/gguf/weights';
import { buildReport } from '../core/report';
import type { ConfigReport, ReportOptions } from '../core/report';
import type { GgufHeader } from '../core/gguf/header';
import { GgufReadError, readGguf } from '../io/gguf';

/** True for a path analysed as GGUF (by its name, as llama.cpp's tools name them). */
export function isGgufPath(path: string): boolean {
  return /\.gguf$/i.test(path);
}

/** What the GGUF header said, beside the report. */
export interface GgufSection {
  version: number;
  architecture: string;
  /** KV Lens knows llama.cpp's layer rules for the architecture. */
  knownArchitecture: boolean;
  shards: number;
  tensors: number;
  fileBytes?: number;
  keysUsed: string[];
  keysMissing: string[];
  weightsByType: { type: string; tensors: number; params: number; bytes: number }[];
}

/** The report of a GGUF file: a config's JSON shape plus `gguf` and, where llama.cpp has the cache type, `llamaCpp`. */
export type GgufReport = ConfigReport & { gguf: GgufSection; llamaCpp?: LlamaCppKv };

/** Reads, describes and reports one `.gguf` file (or split model); a bad file is an error naming it. */
export async function analyzeGgufFile(file: string, opts: ReportOptions): Promise<GgufReport | { file: string; error: string }> {
  try {
    return reportGgufHeader(file, await readGguf(file), opts);
  } catch (e) {
    if (e instanceof GgufReadError) return { file, error: e.message.startsWith(file) ? e.message.slice(file.length + 2) : e.message };
    throw e;
  }
}

/** The report of a GGUF header already read (a local file, or a Hub repository's by range requests), named `file`. */
export function reportGgufHeader(file: string, header: GgufHeader, opts: ReportOptions): GgufReport | { file: string; error: string } {
  try {
    const d = describeGguf(header);
    const source = header.shards > 1 ? `${file} (${header.shards} shards)` : file;
    const exact = ggufWeights(source, header.tensors);
    const report = buildReport(file, { model: d.model }, { ...opts, exactWeights: exact }) as GgufReport;
    // MoE: the active share from the expert tensors themselves, not from the shape estimate's share.
    const ex = d.model.experts;
    const active = ex ? ggufActiveParams(header.tensors, ex.total.value, ex.active.value) : undefined;
    if (ex && active) {
      report.weights.activeParams = active.active;
      report.notes.push(`Active parameters exact from the tensor infos: ${formatInt(active.expertParams)} in the routed-expert tensors (*_exps) count ${ex.active.value} of ${ex.total.value}; the other ${formatInt(exact.totalParams - active.expertParams)} every token.`);
    }
    report.gguf = {
      version: header.version,
      architecture: d.architecture,
      knownArchitecture: d.known,
      shards: header.shards,
      tensors: header.tensors.length,
      ...(header.fileBytes !== undefined ? { fileBytes: header.fileBytes } : {}),
      keysUsed: d.keysUsed,
      keysMissing: d.keysMissing,
      weightsByType: exact.byDtype.map((t) => ({ type: t.dtype, tensors: t.tensors, params: t.params, bytes: t.bytes })),
    };
    const cacheType = llamaCacheType(report.kvCache.dtype as Parameters<typeof llamaCacheType>[0]);
    if (cacheType) {
      report.llamaCpp = llamaCppKv(d.model, { nCtx: report.kvCache.context * report.kvCache.batch, nSeqMax: report.kvCache.batch, typeK: cacheType, typeV: cacheType });
      if (cacheType !== 'f16' && cacheType !== 'bf16' && cacheType !== 'f32') {
        report.notes.push(`A ${cacheType} V cache needs flash attention in llama.cpp (-fa on); without it llama.cpp refuses a quantised V cache.`);
      }
    } else {
      report.notes.push(`llama.cpp has no ${report.kvCache.dtype} cache type (-ctk / -ctv take f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl): no llama.cpp figure.`);
    }
    return report;
  } catch (e) {
    if (e instanceof GgufModelError || e instanceof GgufTensorError) return { file, error: `GGUF: ${e.message}` };
    throw e;
  }
}

/** Extra table lines for a GGUF report: what llama.cpp allocates. Plain text; the caller escapes each line. */
export function ggufLines(r: GgufReport): string[] {
  const lines = [`  GGUF       v${r.gguf.version}, ${r.gguf.architecture}${r.gguf.knownArchitecture ? '' : ' (architecture without known llama.cpp layer rules)'}, ${formatInt(r.gguf.tensors)} tensor${r.gguf.tensors === 1 ? '' : 's'}${r.gguf.shards > 1 ? ` in ${r.gguf.shards} shards` : ''}`];
  const l = r.llamaCpp;
  if (l) {
    const parts = [
      l.base && `${l.base.layers} layers x ${formatInt(l.base.cells)} cells ${formatBytes(l.base.bytes)}`,
      l.swa && `SWA ${l.swa.layers} layers x ${formatInt(l.swa.cells)} cells ${formatBytes(l.swa.bytes)}`,
      l.recurrent && `recurrent ${l.recurrent.layers} layers ${formatBytes(l.recurrent.bytes)}`,
    ].filter(Boolean);
    lines.push(`  llama.cpp  ${formatBytes(l.bytes)} allocated (n_ctx ${formatInt(l.nCtx)}, ${l.nSeqMax} seq, K ${l.typeK} / V ${l.typeV}): ${parts.join('; ')}`);
  }
  return lines;
}
