/**
 * The log reader's pieces: line cleaning (ANSI, process prefixes, headers, quote markers, the length cap) and
 * the Python-repr settings reader, on lines shaped as the engines print them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanLine, MAX_LINE_CHARS, readLogText, readPyPairs } from '../../src/core/logs';

describe('cleanLine', () => {
  it('drops ANSI codes, the process prefix and the vLLM header', () => {
    const c = cleanLine('\u001b[1;36m(EngineCore_DP0 pid=3817118)\u001b[0;0m INFO 11-11 14:14:55 [kv_cache_utils.py:1087] GPU KV cache size: 1,197,552 tokens');
    assert.equal(c.text, 'GPU KV cache size: 1,197,552 tokens');
    assert.equal(c.process, 'EngineCore_DP0');
  });
  it('drops the SGLang time header (with its TP tag) and pasted quote markers', () => {
    assert.deepEqual(cleanLine('[2025-11-10 22:36:04 TP0] KV Cache is allocated.'), { text: 'KV Cache is allocated.', process: 'TP0', truncated: false });
    assert.equal(cleanLine('> > llama_kv_cache: size = 1 MiB').text, 'llama_kv_cache: size = 1 MiB');
  });
  it('caps the line', () => {
    const c = cleanLine('a'.repeat(MAX_LINE_CHARS * 3));
    assert.equal(c.text.length, MAX_LINE_CHARS);
    assert.equal(c.truncated, true);
  });
});

describe('readPyPairs', () => {
  it('reads a vLLM non-default args dict', () => {
    assert.deepEqual(readPyPairs("{'model_tag': '/m', 'port': 12001, 'api_key': ['empty'], 'trust_remote_code': True, 'gpu_memory_utilization': 0.8, 'x': None, 'nested': {'a': [1, 2]}}"), {
      model_tag: '/m', port: 12001, api_key: 'empty', trust_remote_code: true, gpu_memory_utilization: 0.8, x: null,
    });
  });
  it('reads key=value configs and skips call values', () => {
    assert.deepEqual(readPyPairs("model='Qwen/Q', dtype=torch.bfloat16, max_seq_len=4096, speculative_config=None, compilation_config={\"level\": 3}, obj=Foo(a=1), tp=2"), {
      model: 'Qwen/Q', dtype: 'torch.bfloat16', max_seq_len: 4096, speculative_config: null, tp: 2,
    });
  });
  it('is linear on a long unterminated string', () => {
    const r = readPyPairs("{'a': '" + 'x'.repeat(100000));
    assert.equal(typeof r.a, 'string');
  });
});

describe('readLogText', () => {
  it('reads vLLM V1 "Initializing" configs and V0 block counts', () => {
    const r = readLogText([
      "INFO 05-01 10:00:00 [core.py:58] Initializing a V1 LLM engine (v0.8.5) with config: model='meta-llama/Llama-3.1-8B', dtype=torch.bfloat16, max_seq_len=8192, tensor_parallel_size=2, kv_cache_dtype=fp8",
      'INFO 05-01 10:00:10 [executor_base.py:1] # cuda blocks: 27,672, # CPU blocks: 2048',
    ].join('\n'));
    const su = r.startUps[0]!;
    assert.equal(su.engine, 'vllm');
    assert.equal(su.version, '0.8.5');
    assert.equal(su.model, 'meta-llama/Llama-3.1-8B');
    assert.equal(su.settings.tensor_parallel_size, 2);
    assert.equal(su.settings.kv_cache_dtype, 'fp8');
    assert.equal(su.figures[0]!.name, 'gpu_blocks');
    assert.equal(su.figures[0]!.value, 27672);
  });
  it('a llama.cpp log with two loads is two start-ups', () => {
    const one = 'build: 7780 (7dee9ff59) with GNU\nllama_context: n_ctx         = 4096\nllama_kv_cache: size =  512.00 MiB (  4096 cells,  32 layers,  1/1 seqs), K (f16):  256.00 MiB, V (f16):  256.00 MiB';
    const r = readLogText(`${one}\n${one.replace('4096', '8192')}`);
    assert.equal(r.startUps.length, 2);
    assert.equal(r.startUps[1]!.settings.n_ctx, 8192);
    assert.equal(r.startUps[0]!.figures[0]!.rounding, 0.005);
  });
});
