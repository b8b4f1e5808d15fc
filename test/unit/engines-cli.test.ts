/**
 * `kv-lens analyze --engine`: the engines side by side in the table and as an `engines` array in --json, launch
 * lines with the operating point, and bad --engine values as usage errors. In process, streams captured.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runAnalyzeCli } from '../../src/cli/analyze';
import { modelIdOf } from '../../src/cli/engineColumns';
import type { CliOutput } from '../../src/cli/output';
import { CONFIGS } from '../fixtures/paths';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const io: CliOutput = { out: (s) => (out += s), err: (s) => (err += s), closed: false };
  const code = await runAnalyzeCli(args, io);
  return { code, out, err };
}
const QWEN = join(CONFIGS, 'qwen2__Qwen2.5-7B-Instruct.json');

describe('analyze --engine', () => {
  it('all: a column per engine and the launch lines', async () => {
    const r = await run([QWEN, '--engine', 'all', '--gpu-mem', '80', '--context', '8192', '--batch', '4']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /engines \(at this operating point/);
    for (const label of ['vLLM', 'SGLang', 'llama.cpp', 'TensorRT-LLM']) assert.ok(r.out.includes(label), label);
    assert.match(r.out, /vllm serve MODEL --max-model-len 8192 .* --max-num-seqs 4/);
    // llama.cpp: 4 x 8192 cells; 28 x 32768 x 512 x 2 x 2 B = 1.75 GiB.
    assert.match(r.out, /llama-server -m MODEL\.gguf -c 32768 -np 4 -ctk f16 -ctv f16 -fa on/);
    assert.match(r.out, /1\.75 GiB/);
  });

  it('--json carries an engines array', async () => {
    const r = await run([QWEN, '--engine', 'vllm,llama.cpp', '--context', '4096', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { engines: { engine: string; kvBytesPerGpu: number; launch: string }[] };
    assert.deepEqual(j.engines.map((e) => e.engine), ['vllm', 'llama.cpp']);
    assert.equal(j.engines[1]!.kvBytesPerGpu, 28 * 4096 * 512 * 2 * 2);
  });

  it('an unknown engine is a usage error', async () => {
    const r = await run([QWEN, '--engine', 'ollama']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--engine must be/);
  });

  it('names the model in launch lines by its Hub id or folder', () => {
    assert.equal(modelIdOf('Qwen/Qwen2.5-7B-Instruct@0123456789abcdef0123456789abcdef01234567'), 'Qwen/Qwen2.5-7B-Instruct');
    assert.equal(modelIdOf('/models/qwen/config.json'), '/models/qwen');
    assert.equal(modelIdOf('qwen2__Qwen2.5-7B-Instruct.json'), 'MODEL');
  });
});
