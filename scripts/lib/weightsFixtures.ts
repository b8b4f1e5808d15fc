/**
 * The safetensors beside the editor suite's weights fixtures (test/editor/workspace/weights-*), written into the
 * workspace copy rather than committed: a real header with zero data (sparse), so the check reads exactly what a
 * checkpoint would give it. Both folders hold the same weights, a tiny Llama: hidden 256, 4 query heads of 64,
 * 2 KV heads (k_proj / v_proj [128, 256]), 2 layers; weights-ok's config agrees, weights-kv-mismatch's says 4 KV heads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors, type FixtureTensor } from '../../test/support/safetensors';

export const WEIGHTS_FIXTURE_FOLDERS = ['weights-ok', 'weights-kv-mismatch'];

export function weightsFixtureTensors(): FixtureTensor[] {
  const t: FixtureTensor[] = [
    { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] },
    { name: 'lm_head.weight', dtype: 'BF16', shape: [1000, 256] },
    { name: 'model.norm.weight', dtype: 'BF16', shape: [256] },
  ];
  for (let i = 0; i < 2; i++) {
    const l = `model.layers.${i}.`;
    t.push(
      { name: `${l}self_attn.q_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}self_attn.k_proj.weight`, dtype: 'BF16', shape: [128, 256] },
      { name: `${l}self_attn.v_proj.weight`, dtype: 'BF16', shape: [128, 256] },
      { name: `${l}self_attn.o_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}input_layernorm.weight`, dtype: 'BF16', shape: [256] },
    );
  }
  return t;
}

/** Writes model.safetensors into each weights fixture folder of a workspace copy that has it. */
export function writeWeightsFixtures(workspace: string): void {
  for (const folder of WEIGHTS_FIXTURE_FOLDERS) {
    const dir = join(workspace, folder);
    if (existsSync(join(dir, 'config.json'))) writeSafetensors(join(dir, 'model.safetensors'), weightsFixtureTensors());
  }
}
