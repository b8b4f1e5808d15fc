/**
 * From a config's normalised description (the core's ModelDescription) to what the benchmark
 * times: head geometry, the default variants, and, for MLA, what the timed form stands for.
 */
import { analyzeText } from '../core/analyze';
import type { ModelDescription } from '../core/types';
import { divisors } from '../core/whatif';
import { BenchError, type BenchModel } from '../shared/benchProtocol';

/** The benchmarkable attention of a model; throws `invalid` when it has none. */
export function benchModelOf(model: ModelDescription, name?: string): BenchModel {
  const a = model.attention;
  const label = name ?? model.partModelType ?? model.modelType ?? 'model';
  if (a.kind === 'none') {
    throw new BenchError({ code: 'invalid', message: `${label} has no attention layer with a KV cache to benchmark (attention kind 'none').` });
  }
  const queryHeads = a.queryHeads.value;
  const headDim = a.headDimK.value;
  const valueHeadDim = a.headDimV.value;
  if (!(queryHeads > 0 && headDim > 0 && valueHeadDim > 0)) {
    throw new BenchError({ code: 'invalid', message: `${label}: query heads and head sizes must be known to benchmark (got ${queryHeads} x ${headDim}/${valueHeadDim}).` });
  }
  if (a.kind === 'MLA') {
    const latent = model.mla?.latent;
    return {
      name: label,
      kind: 'MLA',
      queryHeads,
      headDim,
      valueHeadDim,
      configuredKvHeads: queryHeads,
      note:
        `MLA is timed in its expanded per-head form (what HF transformers' eager code runs): ${queryHeads} heads with K of ${headDim} and V of ${valueHeadDim}, ` +
        `so the "MHA" variant is the model as expanded. The absorbed form engines use reads one shared latent of ${latent ?? 'kv_lora_rank + rope'} values per token, ` +
        'closer to the MQA variant in bytes; it is not timed here.',
    };
  }
  return { name: label, kind: a.kind, queryHeads, headDim, valueHeadDim, configuredKvHeads: a.kvHeads.value };
}

/** Reads a config's text into a {@link BenchModel}; throws `invalid` with the analyser's reason. */
export function benchModelFromText(text: string, name?: string): BenchModel {
  const analysis = analyzeText(text);
  if (!analysis.model) throw new BenchError({ code: 'invalid', message: `${name ?? 'config'}: ${analysis.error ?? 'no model description'}` });
  return benchModelOf(analysis.model, name);
}

/** MHA, the configured grouping and MQA, largest first, without repeats. */
export function defaultVariants(model: BenchModel): number[] {
  return [...new Set([model.queryHeads, model.configuredKvHeads, 1])].filter((kv) => kv > 0 && model.queryHeads % kv === 0).sort((a, b) => b - a);
}

/**
 * Every KV head count a user may ask for: the divisors of the query heads, largest first, from the core's one
 * bounded divisor list (O(sqrt n), empty past a million heads: no count-down proportional to the value).
 */
export function allowedVariants(model: BenchModel): number[] {
  return divisors(model.queryHeads).reverse();
}
