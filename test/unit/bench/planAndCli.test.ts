/** Pure parts: statistics, FLOP/byte formulas, memory planning, CLI parsing, config adapter, throttle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestFromArgs } from '../../../src/cli/bench';
import { benchModelFromText, defaultVariants } from '../../../src/bench/fromConfig';
import { attentionFlops, minimumBytes, timingStats } from '../../../src/bench/metrics';
import { estimateBytes, largestFitting, rotationCopies, specFor } from '../../../src/bench/plan';
import { Throttle, incrementTracker } from '../../../src/extension/bench/throttle';
import { BenchError } from '../../../src/shared/benchProtocol';
import { tinyRequest } from './helpers';

const LLAMA3_8B = JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, max_position_embeddings: 8192, torch_dtype: 'bfloat16' });

test('timing statistics: median, percentiles, min, n, cv', () => {
  const s = timingStats([5, 1, 4, 2, 3]);
  assert.deepEqual([s.medianMs, s.minMs, s.n], [3, 1, 5]);
  assert.ok(Math.abs(s.p10Ms - 1.4) < 1e-9 && Math.abs(s.p90Ms - 4.6) < 1e-9);
  assert.ok(Math.abs(s.cv - Math.sqrt(2.5) / 3) < 1e-9);
  assert.throws(() => timingStats([]));
});

test('FLOPs and minimum bytes follow BENCHMARK-METHOD.md for a Llama-3-8B layer', () => {
  const request = tinyRequest({ model: { name: 'l', kind: 'GQA', queryHeads: 32, headDim: 128, valueHeadDim: 128, configuredKvHeads: 8 } });
  const decode = specFor(request, 8, 16384);
  assert.equal(attentionFlops(decode), 4 * 2 * 32 * 16385 * 128);
  assert.equal(minimumBytes(decode), 4 * (2 * 32 * 128 + 2 * 2 * 8 * 16385 * 128 + 2 * 32 * 128 + 2 * 2 * 8 * 128));
  const prefill = specFor({ ...request, phase: 'prefill', prompt: 512 }, 8, 0);
  assert.equal(attentionFlops(prefill), 2 * 2 * 32 * 512 * 512 * 128);
});

test('rotation: small caches are copied until they exceed the LLC several times', () => {
  assert.equal(rotationCopies(1 << 20, 32 << 20, 'cpu'), 64);
  assert.equal(rotationCopies(16 << 20, 32 << 20, 'cpu'), 8);
  assert.equal(rotationCopies(1 << 30, 32 << 20, 'cpu'), 1);
  assert.equal(rotationCopies(1 << 20, 32 << 20, 'webgpu'), 1);
});

test('largestFitting is the boundary of the estimate', () => {
  const request = tinyRequest({ contexts: [1] });
  const budget = 200 << 20;
  const n = largestFitting(request, budget, 32 << 20, 'cpu');
  assert.ok(n > 0);
  assert.ok(estimateBytes(request, n, 32 << 20, 'cpu') <= budget);
  assert.ok(estimateBytes(request, n + 1, 32 << 20, 'cpu') > budget);
});

test('CLI flags become a request; defaults come from the config', () => {
  const read = () => LLAMA3_8B;
  const { request, json } = requestFromArgs(['models/llama/config.json', '--ep', 'cpu', '--context', '4k,16384', '--dtype', 'fp16', '--op', 'gqa', '--json'], read);
  assert.equal(json, true);
  assert.deepEqual(request.contexts, [4096, 16384]);
  assert.deepEqual(request.variants, [32, 8, 1]);
  assert.deepEqual(request.paths, ['gqa', 'gqaInt8', 'plain', 'grouped', 'groupedVt']);
  assert.deepEqual(requestFromArgs(['c.json', '--op', 'attention'], read).request.paths, ['attention', 'plain', 'grouped', 'groupedVt']);
  assert.deepEqual(requestFromArgs(['c.json'], read).request.paths, ['gqa', 'attention', 'plain', 'grouped', 'groupedVt', 'gqaInt8']);
  assert.equal(request.model.name, 'llama');
  assert.equal(request.model.headDim, 128);
  assert.throws(() => requestFromArgs(['c.json', '--variants', '5'], read), /does not divide 32/);
  assert.throws(() => requestFromArgs(['c.json', '--ep', 'tpu'], read), /auto\|cpu\|webgpu\|cuda/);
  assert.throws(() => requestFromArgs(['c.json', '--bogus', '1'], read), /unknown flag/);
});

test('config adapter: not a model config is refused with the reason', () => {
  assert.throws(() => benchModelFromText('{"name": "x"}', 'x.json'), (e: unknown) => e instanceof BenchError && e.info.code === 'invalid');
  assert.deepEqual(defaultVariants(benchModelFromText(LLAMA3_8B)), [32, 8, 1]);
});

test('throttle: at most one delivery per interval, the latest value, flushed at the end', () => {
  let now = 0;
  const got: number[] = [];
  const t = new Throttle<number>((v) => got.push(v), 1000, () => now);
  t.push(1);
  now = 200;
  t.push(2);
  now = 500;
  t.push(3);
  now = 1200;
  t.push(4);
  now = 1300;
  t.push(5);
  t.flush();
  assert.deepEqual(got, [1, 4, 5]);
  const inc = incrementTracker();
  assert.deepEqual([inc(0.25), inc(0.2), inc(1)], [25, 0, 75]);
});
