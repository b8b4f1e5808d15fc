/**
 * The safetensors beside the editor suite's weights fixtures (test/editor/workspace/weights-*), written into the
 * workspace copy rather than committed: a real header with zero data (sparse), so the check reads exactly what a
 * checkpoint would give it. Both folders hold the same weights, a tiny Llama: hidden 256, 4 query heads of 64,
 * 2 KV heads (k_proj / v_proj [128, 256]), 2 layers; weights-ok's config agrees, weights-kv-mismatch's says 4 KV heads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { smallLlamaTensors, writeSafetensors, type FixtureTensor } from '../../test/support/safetensors';

export const WEIGHTS_FIXTURE_FOLDERS = ['weights-ok', 'weights-kv-mismatch'];

/** The weights fixtures' checkpoint: the small Llama with 2 KV heads (k_proj [128, 256]). */
export function weightsFixtureTensors(): FixtureTensor[] {
  return smallLlamaTensors();
}

/** Writes model.safetensors into each weights fixture folder of a workspace copy that has it. */
export function writeWeightsFixtures(workspace: string): void {
  for (const folder of WEIGHTS_FIXTURE_FOLDERS) {
    const dir = join(workspace, folder);
    if (existsSync(join(dir, 'config.json'))) writeSafetensors(join(dir, 'model.safetensors'), weightsFixtureTensors());
  }
}
