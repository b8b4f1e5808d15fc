/**
 * The checkpoint beside the editor suite's conversion fixture (test/editor/workspace/convert-mha/config.json), written
 * into the workspace copy rather than committed: a tiny MHA Llama with seeded weights (not zeros: pooling zeros
 * would pass any check), so "KV Lens: Convert to Grouped-Query Attention..." has real K/V heads to average and the
 * functional check real attention to compare. Hidden 64, 4 query heads = 4 KV heads of 16, 2 layers, vocabulary 64,
 * fp32. Values lie on a grid of 1/64 in [-2, 2): the mean of two is exact in fp32, so the test can compare the pooled
 * tensors exactly. The header comes from test/support/safetensors.ts (offsets in the order given); the data follows.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safetensorsHeader, type FixtureTensor } from '../../test/support/safetensors';
import { uniform } from '../../src/core/random';

export const CONVERT_FIXTURE_FOLDER = 'convert-mha';

/** The core's seeded generator (mulberry32), so every run builds the same weights. */
const rng = uniform;

/** The tensors of the tiny Llama, in file order. */
export function convertFixtureTensors(): FixtureTensor[] {
  const t: FixtureTensor[] = [{ name: 'model.embed_tokens.weight', dtype: 'F32', shape: [64, 64] }];
  for (let i = 0; i < 2; i++) {
    const l = `model.layers.${i}.`;
    t.push(
      { name: `${l}input_layernorm.weight`, dtype: 'F32', shape: [64] },
      { name: `${l}self_attn.q_proj.weight`, dtype: 'F32', shape: [64, 64] },
      { name: `${l}self_attn.k_proj.weight`, dtype: 'F32', shape: [64, 64] },
      { name: `${l}self_attn.v_proj.weight`, dtype: 'F32', shape: [64, 64] },
      { name: `${l}self_attn.o_proj.weight`, dtype: 'F32', shape: [64, 64] },
    );
  }
  t.push({ name: 'model.norm.weight', dtype: 'F32', shape: [64] }, { name: 'lm_head.weight', dtype: 'F32', shape: [64, 64] });
  return t;
}

/** Writes model.safetensors (seed 1, 2, ... per tensor) beside the fixture's config.json in a workspace copy. */
export function writeConvertFixture(workspace: string): void {
  const dir = join(workspace, CONVERT_FIXTURE_FOLDER);
  if (!existsSync(join(dir, 'config.json'))) return;
  const tensors = convertFixtureTensors();
  const { header } = safetensorsHeader(tensors, { metadata: { format: 'pt' } });
  const parts = tensors.map((t, i) => {
    const r = rng(i + 1);
    const n = t.shape.reduce((a, b) => a * b, 1);
    // Norm weights near 1 (as trained models have them), the rest on the grid in [-2, 2).
    const values = Float32Array.from({ length: n }, () => (t.name.endsWith('norm.weight') ? 1 + Math.floor(r() * 32 - 16) / 64 : Math.floor(r() * 256 - 128) / 64));
    return Buffer.from(values.buffer);
  });
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([header, ...parts]));
}
