/// <reference types="mocha" />
/**
 * "KV Lens: Check Engine Log..." in the real editor, on the start-up excerpts of test/fixtures/engine-logs:
 * the command reads the log, checks every figure and shows the comparison in a document. Expected figures by
 * hand: vLLM gpt-oss-20b, floor(54.82 GiB / 32 KiB / 12) = 149,695 blocks -> 149695 // 2 groups x 16 =
 * 1,197,552 tokens; llama.cpp Qwen2.5-Coder-7B, 28 x 32768 x 512 x 2 x 2 B = 1792 MiB.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { closeAll } from './helpers';

/** The repository's test/fixtures folder: these tests run compiled from out/editor-tests in the checkout. */
const fixtures = () => join(__dirname, '..', '..', 'test', 'fixtures');

suite('check engine log', () => {
  teardown(closeAll);

  test('engine log: a vLLM log against its config: every predicted figure matches', async () => {
    const text = await vscode.commands.executeCommand<string>('kvLens.checkEngineLog',
      join(fixtures(), 'engine-logs', '09_vllm_gpt-oss-20b.txt'), join(fixtures(), 'configs', 'gpt_oss__gpt-oss-20b.json'));
    assert.ok(text, 'the command returned the comparison');
    assert.match(text, /gpu_kv_cache_tokens\s+1,197,552 tokens\s+1,197,552 tokens\s+0\s+yes/);
    assert.doesNotMatch(text, /\bNO\b/);
    const shown = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.equal(shown, text, 'the comparison is the active document');
  });

  test('engine log: a llama.cpp log without a config is checked from its printed hparams', async () => {
    const text = await vscode.commands.executeCommand<string>('kvLens.checkEngineLog', join(fixtures(), 'engine-logs', '42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt'));
    assert.ok(text);
    assert.match(text, /model read from: the hparams printed in the log/);
    assert.match(text, /kv\.size\s+1,792 MiB\s+1,792 MiB\s+0\s+yes/);
  });
});
