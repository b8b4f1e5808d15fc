/**
 * Benchmark defaults from a config, pure so the pickers and tests share them: which contexts to
 * offer, and the request a quick "run with defaults" uses.
 */
import { defaultVariants } from '../../bench/fromConfig';
import { ALL_PATHS, type BenchModel, type BenchRequest, type EpChoice, type BenchPhase } from '../../shared/benchProtocol';

/** Decode contexts offered: powers of 4 from 1k to 64k, capped by the model's maximum context. */
export function contextChoices(maxContext?: number): number[] {
  const all = [1024, 4096, 16384, 65536];
  const capped = maxContext && maxContext > 0 ? all.filter((c) => c <= maxContext) : all;
  return capped.length ? capped : [Math.min(1024, maxContext ?? 1024)];
}

/** Contexts picked by default: 4k and 16k where the model allows them. */
export function defaultContexts(maxContext?: number): number[] {
  const choices = contextChoices(maxContext);
  const picked = choices.filter((c) => c === 4096 || c === 16384);
  return picked.length ? picked : [choices[choices.length - 1]!];
}

/** The request the command runs when the user accepts every default. */
export function defaultRequest(model: BenchModel, options: { ep?: EpChoice; phase?: BenchPhase; contexts?: number[]; maxContext?: number } = {}): BenchRequest {
  return {
    model,
    variants: defaultVariants(model),
    ep: options.ep ?? 'auto',
    phase: options.phase ?? 'decode',
    contexts: options.contexts ?? defaultContexts(options.maxContext),
    prompt: 512,
    batch: 1,
    dtype: 'fp32',
    paths: [...ALL_PATHS],
  };
}
