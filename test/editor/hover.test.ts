/// <reference types="mocha" />
/**
 * Hovers through `vscode.executeHoverProvider` on real configs: the grouping and the per-token KV figure,
 * worked out by hand here from KV-RULES (2 x KV heads x head size x bytes x layers; MLA: latent x bytes x layers).
 */
import * as assert from 'node:assert/strict';
import { closeAll, hoverTexts, keyPosition, kvLensHover, open } from './helpers';

suite('hover', () => {
  suiteTeardown(closeAll);

  test('GQA: Llama 3 8B num_key_value_heads shows 32 query heads in 8 groups of 4 and 256 KiB per token (fp32)', async () => {
    const document = await open('llama-3-8b/config.json');
    const text = await kvLensHover(document, 'num_key_value_heads');
    assert.match(text, /GQA/);
    assert.match(text, /32 query heads/);
    assert.match(text, /8 KV heads/);
    assert.match(text, /groups? of 4/);
    // 2 x 8 x 128 x 4 B x 32 layers = 262,144 B
    assert.match(text, /262,144 B/);
    assert.match(text, /256 KiB/);
  });

  test('MHA: Llama 2 7B has one KV head per query head, 1 MiB per token', async () => {
    const document = await open('llama-2-7b/config.json');
    const text = await kvLensHover(document, 'num_key_value_heads');
    assert.match(text, /MHA/);
    // 2 x 32 x 128 x 4 B x 32 layers = 1,048,576 B
    assert.match(text, /1,048,576 B/);
  });

  test('MQA: WizardCoder (gpt_bigcode, multi_query) shares one KV head, 20,480 B per token', async () => {
    const document = await open('wizardcoder-mqa/config.json');
    const text = await kvLensHover(document, 'multi_query');
    assert.match(text, /MQA/);
    // 2 x 1 x (6144 / 48 = 128) x 2 B x 40 layers = 20,480 B
    assert.match(text, /20,480 B/);
  });

  test('MLA: DeepSeek-V3 caches a (512 + 64) latent, 70,272 B per token, and calls num_key_value_heads vestigial', async () => {
    const document = await open('deepseek-v3/config.json');
    const text = await kvLensHover(document, 'num_key_value_heads');
    assert.match(text, /MLA/);
    assert.match(text, /vestigial/);
    // (512 + 64) x 2 B x 61 layers = 70,272 B
    assert.match(text, /70,272 B/);
  });

  test('no KV Lens hover on JSON that is not a model config', async () => {
    const document = await open('not-a-model/config.json');
    const texts = await hoverTexts(document, keyPosition(document, 'num_workers'));
    assert.deepEqual(texts.filter((t) => /KV|attention/i.test(t)), []);
  });
});
