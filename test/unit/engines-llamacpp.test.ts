/**
 * llama.cpp's allocation rules (src/core/engines/llamacpp.ts) on real configs, each expected figure worked out by
 * hand from the rule in llama.cpp's sources (comments give the arithmetic), and the figures the engine printed
 * in the start-up logs of test/fixtures/engine-logs (01, 32, 42, 46).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { llamaCppKv, llamaRecurrentWidths } from '../../src/core/engines/llamacpp';
import type { ModelDescription } from '../../src/core/types';
import { CONFIGS } from '../fixtures/paths';

const MiB = 1024 ** 2;
function model(name: string): ModelDescription {
  const a = analyzeText(readFileSync(join(CONFIGS, name), 'utf8'));
  assert.ok(a.model, a.error);
  return a.model;
}

describe('llama.cpp KV rules', () => {
  it('gpt-oss-20b at 131072 cells: a full cache and a 768-cell SWA cache (log 01)', () => {
    const r = llamaCppKv(model('gpt_oss__gpt-oss-20b.json'), { nCtx: 131072 });
    // 12 full layers x 131072 cells x (8 heads x 64) x 2 (K, V) x 2 B = 3072 MiB.
    assert.equal(r.base?.cells, 131072);
    assert.equal(r.base?.layers, 12);
    assert.equal(r.base!.bytes / MiB, (12 * 131072 * 512 * 2 * 2) / MiB);
    assert.equal(r.base!.bytes / MiB, 3072);
    // SWA: pad256(min(131072, 128 x 1 + 512)) = pad256(640) = 768 cells; 12 x 768 x 512 x 2 x 2 B = 18 MiB.
    assert.equal(r.swa?.cells, 768);
    assert.equal(r.swa!.bytes / MiB, 18);
    assert.equal(r.swa!.kBytes / MiB, 9);
  });

  it('the SWA cache grows with unified sequences and the micro-batch, and is the base size with swa-full', () => {
    const m = model('gpt_oss__gpt-oss-20b.json');
    // unified, 4 sequences, n_ubatch 1024: pad256(128 x 4 + 1024) = pad256(1536) = 1536.
    assert.equal(llamaCppKv(m, { nCtx: 131072, nSeqMax: 4, unified: true, nUbatch: 1024 }).swa?.cells, 1536);
    // split, 4 sequences: n_ctx_seq = 32768, SWA = pad256(128 + 512) = 768 per stream, 4 streams.
    const split = llamaCppKv(m, { nCtx: 131072, nSeqMax: 4 });
    assert.equal(split.nCtxSeq, 32768);
    assert.equal(split.nStream, 4);
    assert.equal(split.swa?.cells, 768);
    assert.equal(split.swa!.bytes, 12 * 768 * 4 * 512 * 2 * 2);
    // Total base bytes do not change with the split: 4 streams x 32768 cells.
    assert.equal(split.base!.bytes, 12 * 131072 * 512 * 2 * 2);
    assert.equal(llamaCppKv(m, { nCtx: 8192, swaFull: true }).swa?.cells, 8192);
    // A context below the window + micro-batch: min(300 -> 512 padded, 640) = 512.
    assert.equal(llamaCppKv(m, { nCtx: 300 }).swa?.cells, 512);
  });

  it('pads n_ctx to 256, and splits it per sequence rounded to 256 each', () => {
    const m = model('qwen2__Qwen2.5-7B-Instruct.json');
    assert.equal(llamaCppKv(m, { nCtx: 1000 }).nCtx, 1024);
    // 10000 -> 10240; / 3 = 3413 -> pad 3584; n_ctx = 3 x 3584 = 10752.
    const r = llamaCppKv(m, { nCtx: 10000, nSeqMax: 3 });
    assert.equal(r.nCtxSeq, 3584);
    assert.equal(r.nCtx, 10752);
    // The pre-Nov-2025 rule without flash attention padded to 32.
    assert.equal(llamaCppKv(m, { nCtx: 1000, legacyPadding: true, flashAttn: false }).nCtx, 1024);
    assert.equal(llamaCppKv(m, { nCtx: 1001, legacyPadding: true, flashAttn: false }).nCtx, 1024);
    assert.equal(llamaCppKv(m, { nCtx: 1025, legacyPadding: true, flashAttn: false }).nCtx, 1056);
  });

  it('Qwen2.5-7B at 32768 f16 cells: 1792 MiB (log 42)', () => {
    const r = llamaCppKv(model('qwen2__Qwen2.5-7B-Instruct.json'), { nCtx: 32768 });
    // 28 layers x 32768 x (4 heads x 128) x 2 x 2 B = 1792 MiB.
    assert.equal(r.bytes / MiB, (28 * 32768 * 512 * 2 * 2) / MiB);
    assert.equal(r.bytes / MiB, 1792);
    assert.equal(r.swa, undefined);
  });

  it('Qwen3.5-9B, q8_0, 4 unified sequences: 1088 MiB KV plus 201 MiB f32 recurrent state (log 32)', () => {
    const r = llamaCppKv(model('qwen3_5__Qwen3.5-9B.json'), { nCtx: 65536, nSeqMax: 4, unified: true, typeK: 'q8_0', typeV: 'q8_0' });
    // 8 attention layers x 65536 x (4 x 256) x 2 x 34/32 B = 1088 MiB; one stream (unified).
    assert.equal(r.nStream, 1);
    assert.equal(r.base!.bytes / MiB, (8 * 65536 * 1024 * 2 * 34) / 32 / MiB);
    assert.equal(r.base!.bytes / MiB, 1088);
    // 24 Gated DeltaNet layers x 4 cells x (32 x 128 x 128 + 3 x (2 x 16 x 128 + 32 x 128)) x 4 B = 201 MiB.
    assert.equal(r.recurrent?.cells, 4);
    assert.equal(r.recurrent?.layers, 24);
    assert.equal(r.recurrent!.bytes / MiB, (24 * 4 * (32 * 128 * 128 + 3 * (2 * 16 * 128 + 32 * 128)) * 4) / MiB);
    assert.equal(r.recurrent!.bytes / MiB, 201);
    // The R / S split from the hparams llama.cpp prints: R = 3 x (4096 + 2 x 16 x 128), S = 128 x 128 x 32.
    const w = llamaRecurrentWidths({ ssmDConv: 4, ssmDInner: 4096, ssmDState: 128, ssmNGroup: 16, ssmDtRank: 32, gatedDelta: true });
    assert.equal((24 * 4 * w.r * 4) / MiB, 9);
    assert.equal((24 * 4 * w.s * 4) / MiB, 192);
  });

  it('DeepSeek-V3: MLA off caches 128 x 192 K and 128 x 128 V (log 46); MLA on, the 576-wide latent only', () => {
    const m = model('deepseek_v3__DeepSeek-V3.json');
    const off = llamaCppKv(m, { nCtx: 512, mla: false });
    // 61 x 512 x 24576 x 2 B = 1464 MiB K; 61 x 512 x 16384 x 2 B = 976 MiB V.
    assert.equal(off.base!.kBytes / MiB, 1464);
    assert.equal(off.base!.vBytes / MiB, 976);
    const on = llamaCppKv(m, { nCtx: 512 });
    // 61 x 512 x (512 + 64) x 2 B, no V.
    assert.equal(on.base!.kBytes, 61 * 512 * 576 * 2);
    assert.equal(on.base!.vBytes, 0);
  });

  it('no context asked: the model training context, said so', () => {
    const r = llamaCppKv(model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(r.nCtx, 32768);
    assert.match(r.notes.join(' '), /training context/);
  });
});
