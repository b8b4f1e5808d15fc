/** Every path's graph builder, by name: one table for the runner, the profile script and the tests. */
import type { BenchPath } from '../../shared/benchProtocol';
import { buildAttentionGraph, buildGqaGraph } from './fusedGraphs';
import { buildGroupedGraph, buildGroupedVtGraph, buildPlainGraph } from './matmulGraphs';
import type { BakedCache, BuiltGraph, GraphSpec } from './spec';

export const BUILDERS: Record<BenchPath, (spec: GraphSpec, baked?: BakedCache) => BuiltGraph> = {
  gqa: (spec, baked) => buildGqaGraph(spec, baked),
  gqaInt8: (spec, baked) => buildGqaGraph(spec, baked, { int8: true }),
  attention: buildAttentionGraph,
  plain: buildPlainGraph,
  grouped: buildGroupedGraph,
  groupedVt: buildGroupedVtGraph,
};

/** Why a path cannot run for a spec on an EP, or undefined when it can (checked before building). */
export function pathUnsupported(path: BenchPath, spec: GraphSpec, ep: string): string | undefined {
  // Decode only: in a prefill every K/V row is a new token, which the op quantises on its own way in
  // (measured: up to 5e-3 from the dequantised reference at 8 query heads of 16), so the cache it
  // reads is not the one checked here; decode reads the int8 cache as given.
  if (path === 'gqaInt8' && (ep !== 'cpu' || spec.dtype !== 'fp32' || spec.phase !== 'decode')) return 'the int8 KV cache of GroupQueryAttention is timed in decode on the CPU EP with fp32 activations only';
  return undefined;
}
