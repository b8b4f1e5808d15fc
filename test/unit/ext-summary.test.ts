import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeText } from '../../src/core/analyze';
import { computeKv } from '../../src/core/kv';
import type { BenchReport, BenchResult } from '../../src/shared/benchProtocol';
import { toPanelRun } from '../../src/extension/panel/benchToPanel';
import { summarize } from '../../src/core/summary';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const modelOf = (name: string) => {
  const model = analyzeText(readFileSync(join(CONFIGS, name), 'utf8')).model;
  assert.ok(model, name);
  return model;
};

test('summary: GQA (Llama 3 8B): kind, grouping, per-token and total cost with the right numbers', () => {
  const model = modelOf('llama__Meta-Llama-3-8B-Instruct.json');
  // 2 (K,V) x 32 layers x 8 KV heads x 128 x 2 bytes (bf16) = 128 KiB per token; x 8192 tokens = 1 GiB.
  const s = summarize(model, computeKv(model, { kvDtype: 'bf16' }));
  assert.equal(s.kind, 'GQA');
  assert.equal(s.grouping, '32 query heads share 8 KV heads: 8 groups of 4');
  assert.equal(s.perToken, '128 KiB/token');
  assert.equal(s.cost, '1.00 GiB at 8k tokens, bf16');
  assert.equal(s.status, 'GQA 32/8 · 1.00 GiB @ 8k');
  assert.equal(s.lens, 'GQA · 32 query heads share 8 KV heads: 8 groups of 4 · 128 KiB/token · 1.00 GiB at 8k tokens, bf16');
  const batched = summarize(model, computeKv(model, { kvDtype: 'bf16', batch: 4, context: 4096, tp: 2 }));
  assert.equal(batched.cost, '2.00 GiB at 4k tokens x 4 sequences, bf16');
  assert.match(batched.text, /Per GPU at tensor-parallel 2: 1\.00 GiB \(4 KV heads each\)/);
});

test('summary: MQA, MLA, encoder-only and state-only models say what they cache', () => {
  const mqa = modelOf('gpt_bigcode__WizardCoder-15B-1.0-GPTQ.json');
  assert.equal(summarize(mqa, computeKv(mqa)).grouping, '48 query heads share 1 KV head');
  const mla = modelOf('deepseek_v3__DeepSeek-V3.json');
  const m = summarize(mla, computeKv(mla));
  assert.equal(m.kind, 'MLA');
  assert.equal(m.grouping, '128 query heads read one latent of 576 values per token');
  assert.equal(m.status.split(' · ')[0], 'MLA');
  const bert = modelOf('bert__bert-base-chinese.json');
  const b = summarize(bert, computeKv(bert));
  assert.equal(b.kind, 'encoder-only');
  assert.equal(b.status, 'encoder-only · no KV cache');
  const mamba = modelOf('mamba2__Mamba-Codestral-7B-v0.1.json');
  const s = summarize(mamba, computeKv(mamba));
  assert.equal(s.kind, 'no KV cache');
  assert.match(s.cost, /of it fixed state\)$/);
});

test('bench to panel: results keep their figures, speed-ups renamed, provenance in words', () => {
  const result = {
    variant: { kvHeads: 8, label: 'GQA-8', groupSize: 4 }, path: 'gqa', phase: 'decode', context: 4096, prompt: 1, batch: 1, dtype: 'fp32', ep: 'cpu',
    medianMs: 2, p10Ms: 1.5, p90Ms: 2.5, minMs: 1.4, n: 20, cv: 0.1, flops: 1, flopPerS: 1, tokensPerS: 500, bytes: 1, implementationBytes: 1,
    achievedGBps: 12.5, ceilingGBps: 40, speedupVsMha: 3.1, speedupBound: 4, maxAbsDiff: 0, tolerance: 1e-3, rotation: 4, cacheResident: false, headline: true, notes: [],
  } satisfies BenchResult;
  const noMha = { ...result, speedupVsMha: undefined, ceilingGBps: undefined };
  const report = {
    results: [result, noMha],
    provenance: { cpuModel: 'Test CPU', cpuCores: 16, ep: 'cpu', ortVersion: '1.22.0', dtype: 'fp32', date: '2026-01-01T00:00:00Z' },
  } as unknown as BenchReport;
  const run = toPanelRun(report);
  assert.equal(run.date, '2026-01-01T00:00:00Z');
  assert.equal(run.provenance, 'Test CPU (16 cores), cpu, fp32, onnxruntime 1.22.0');
  // The worker's results as they are: no copy under other names to drift from them.
  assert.equal(run.results[0], result);
  assert.equal(run.results[0]!.speedupVsMha, 3.1);
  assert.equal(run.results[1]!.speedupVsMha, undefined, 'absent figures stay absent');
});
