/**
 * Weights counted from the checkpoint itself (safetensors headers, GGUF tensor infos) instead of estimated
 * from the config's shapes. One shape for every source, so the report, the fit and every surface label an
 * exact figure the same way. Pure: the readers live in src/io (local files) and the Hub client.
 */
import type { WeightEstimate } from './weights';

/** Parameters and bytes of one stored element type. */
export interface DtypeWeights {
  /** As the file names it: `BF16`, `F8_E4M3`, `Q4_K`, `U8` ... */
  dtype: string;
  /** Tensors stored with it. */
  tensors: number;
  /** Elements stored (for packed types: the logical parameters the packing holds, see `packing`). */
  params: number;
  /** Bytes the tensors take in the file. */
  bytes: number;
}

/** Exact parameter count and weight bytes read from a checkpoint's headers. */
export interface ExactWeights {
  /** What was read, for the label: `model.safetensors`, `model.safetensors.index.json (4 shards)`, `x.gguf`, a Hub id. */
  source: string;
  /** Tensors counted. */
  tensors: number;
  totalParams: number;
  /** Bytes of tensor data (headers excluded). */
  bytes: number;
  byDtype: DtypeWeights[];
  /** What packing was assumed for quantised layouts, in words (one line each); empty when none was needed. */
  packing: string[];
}

/** The weight figure a report shows: the exact count when the checkpoint was read, else the estimate. */
export function weightsFigure(estimate: WeightEstimate, exact?: ExactWeights): WeightEstimate & { exact: boolean; source?: string } {
  if (!exact || exact.totalParams <= 0) return { ...estimate, exact: false };
  // Active parameters of an MoE model are not in the headers: scale the estimate's active share to the exact total.
  const share = estimate.totalParams > 0 ? Math.min(1, estimate.activeParams / estimate.totalParams) : 1;
  return {
    ...estimate,
    totalParams: exact.totalParams,
    activeParams: Math.round(exact.totalParams * share),
    bytes: exact.bytes,
    bytesPerParam: exact.bytes / exact.totalParams,
    dtypeFrom: `exact, from ${exact.source}`,
    exact: true,
    source: exact.source,
  };
}
