/**
 * `npm run bench:safetensors`: time and memory to read the headers of a 60-shard checkpoint (an index and 60
 * sparse shards laid out like a 70B Llama: 80 layers, 723 tensors, about 141 GB on paper, nothing on disk), then
 * to count its exact weights and lint a config against it; and one 100 GiB sparse single file. Only the headers
 * are read: the figures show it (milliseconds and a few MiB, whatever the file sizes say). Prints; asserts nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../src/core/analyze';
import { lintWeights, type TensorShape } from '../src/core/lint/weights';
import { DEFAULT_SETTINGS } from '../src/core/settings';
import { exactWeightsFromTensors } from '../src/core/weightsFromCheckpoint';
import { readCheckpoint, readSafetensorsHeader } from '../src/io/safetensors';
import { indexJson, writeSafetensors, type FixtureTensor } from '../test/support/safetensors';

const LAYERS = 80;
const HIDDEN = 8192;
const SHARDS = 60;

function llama70b(): FixtureTensor[] {
  const t: FixtureTensor[] = [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [128256, HIDDEN] }];
  for (let i = 0; i < LAYERS; i++) {
    const l = `model.layers.${i}.`;
    t.push(
      { name: `${l}self_attn.q_proj.weight`, dtype: 'BF16', shape: [HIDDEN, HIDDEN] },
      { name: `${l}self_attn.k_proj.weight`, dtype: 'BF16', shape: [1024, HIDDEN] },
      { name: `${l}self_attn.v_proj.weight`, dtype: 'BF16', shape: [1024, HIDDEN] },
      { name: `${l}self_attn.o_proj.weight`, dtype: 'BF16', shape: [HIDDEN, HIDDEN] },
      { name: `${l}mlp.gate_proj.weight`, dtype: 'BF16', shape: [28672, HIDDEN] },
      { name: `${l}mlp.up_proj.weight`, dtype: 'BF16', shape: [28672, HIDDEN] },
      { name: `${l}mlp.down_proj.weight`, dtype: 'BF16', shape: [HIDDEN, 28672] },
      { name: `${l}input_layernorm.weight`, dtype: 'BF16', shape: [HIDDEN] },
      { name: `${l}post_attention_layernorm.weight`, dtype: 'BF16', shape: [HIDDEN] },
    );
  }
  t.push({ name: 'model.norm.weight', dtype: 'BF16', shape: [HIDDEN] }, { name: 'lm_head.weight', dtype: 'BF16', shape: [128256, HIDDEN] });
  return t;
}

const mib = (b: number) => `${b < 0 ? '-' : '+'}${(Math.abs(b) / 2 ** 20).toFixed(1)} MiB`;

async function measure<T>(label: string, runs: number, fn: () => Promise<T>): Promise<T> {
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let result: T | undefined;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  const after = process.memoryUsage();
  console.log(
    `${label.padEnd(46)} first ${first.toFixed(1)} ms  median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms  (n=${runs})  ` +
      `heap ${mib(after.heapUsed - before.heapUsed)}  rss ${mib(peakRss - before.rss)}`,
  );
  return result!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvlens-bench-st-'));
  try {
    const tensors = llama70b();
    const shards: Record<string, FixtureTensor[]> = {};
    const per = Math.ceil(tensors.length / SHARDS);
    for (let s = 0; s < SHARDS; s++) {
      const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(SHARDS).padStart(5, '0')}.safetensors`;
      shards[name] = tensors.slice(s * per, (s + 1) * per);
    }
    let onPaper = 0;
    for (const [name, ts] of Object.entries(shards)) onPaper += writeSafetensors(join(dir, name), ts);
    writeFileSync(join(dir, 'model.safetensors.index.json'), indexJson(shards));
    console.log(`60-shard checkpoint: ${tensors.length} tensors, ${(onPaper / 1e9).toFixed(1)} GB on paper (sparse), in ${dir}`);

    const checkpoint = await measure('readCheckpoint (index + 60 shard headers)', 20, () => readCheckpoint(dir));
    if (!checkpoint.complete) throw new Error(checkpoint.problems.map((p) => p.message).join('\n'));
    const list = [...checkpoint.tensors.values()].map((t) => t.tensor);
    const exact = await measure('exact weights from the tensor table', 20, async () => exactWeightsFromTensors(checkpoint.source, list));
    console.log(`  ${exact.totalParams.toLocaleString('en-US')} parameters, ${(exact.bytes / 1e9).toFixed(2)} GB`);
    const table = new Map<string, TensorShape>(list.map((t) => [t.name, { dtype: t.dtype, shape: t.shape }]));
    const config = JSON.stringify({ model_type: 'llama', hidden_size: HIDDEN, num_attention_heads: 64, num_key_value_heads: 8, num_hidden_layers: LAYERS, vocab_size: 128256, tie_word_embeddings: false });
    const analysis = analyzeText(config);
    const check = await measure('lint the config against the weights', 20, async () => lintWeights(analysis, { tensors: table, source: checkpoint.source }, DEFAULT_SETTINGS));
    console.log(`  ${check.layersChecked} layers compared, ${check.findings.length} findings`);

    const huge = join(dir, 'huge.safetensors');
    writeSafetensors(huge, [{ name: 'w', dtype: 'U8', shape: [100, 2 ** 30] }]);
    await measure('readSafetensorsHeader (one 100 GiB sparse file)', 50, () => readSafetensorsHeader(huge));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
