/// <reference types="mocha" />
/**
 * A 48 MB config in a real editor (issue 7): Llama 3 8B behind a giant `id2label`, just under the 50 MiB
 * past which VS Code stops giving documents to extensions. Its analysis must run in the analysis worker,
 * not on the extension host's thread; hover, CodeLens, the status of the document and diagnostics after
 * an edit must still be right. How long the extension host is blocked is measured with
 * `perf_hooks.monitorEventLoopDelay` in each phase and printed as figures, never asserted.
 */
import * as assert from 'node:assert/strict';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { analyzeText } from '../../src/core/analyze';
import { closeAll, codeOf, figure, fixture, hoverTexts, kvLensDiagnostics, kvLensHover, waitFor } from './helpers';

/** What `kvLens._getState` says about where the analysis lives. */
interface LargeState {
  isModelConfig: boolean;
  version: number;
  summary?: string;
  analysedIn?: string;
  patches: number;
  hostMs?: number;
}

const TARGET_CHARS = 48_000_000;
const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** Runs `fn` while measuring the extension host's event loop: the longest stall and the wall time. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; maxBlockMs: number; wallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The histogram records how late each sample comes after the previous one: take a first sample before `fn`.
  await new Promise((resolve) => setTimeout(resolve, 15));
  const started = performance.now();
  try {
    const value = await fn();
    const wallMs = performance.now() - started;
    // A stall is recorded when the sampling timer finally runs: let it run once before reading.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { value, maxBlockMs: histogram.max / 1e6, wallMs };
  } finally {
    histogram.disable();
  }
}

async function state(document: vscode.TextDocument): Promise<LargeState | undefined> {
  return vscode.commands.executeCommand<LargeState | undefined>('kvLens._getState', document.uri);
}

suite('large configs', () => {
  suiteTeardown(closeAll);

  test('a 48 MB config is analysed in the worker: hover, lens and diagnostics stay right; extension-host blocking printed', async function () {
    this.timeout(240_000);
    const llama = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(fixture('llama-3-8b/config.json')))) as Record<string, unknown>;
    const id2label: Record<string, string> = {};
    for (let i = 0; i < TARGET_CHARS / 50; i++) id2label[String(i)] = `LABEL_${i}_${'x'.repeat(16)}`;
    const text = JSON.stringify({ id2label, ...llama }, null, 2);
    assert.ok(text.length < 50 * 1024 * 1024, 'stays under VS Code\'s 50 MiB limit for giving documents to extensions');
    const uri = fixture('large/config.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));

    // Before: what analysing it on the extension host's thread would block (the old design), same text.
    const inThread = await measured(async () => analyzeText(text));
    assert.equal(inThread.value.model?.attention.kind, 'GQA');

    const opened = await measured(async () => vscode.workspace.openTextDocument(uri));
    const document = opened.value;
    const analysed = await measured(async () =>
      waitFor('the large config to be analysed', async () => {
        const s = await state(document);
        return s?.isModelConfig && s.version === document.version ? s : undefined;
      }, 120_000),
    );
    assert.equal(analysed.value.analysedIn, 'worker', 'a 48 MB document is analysed off the extension host thread');
    assert.match(analysed.value.summary ?? '', /GQA/);
    const outline = await waitFor('the read-in-outline information', () => kvLensDiagnostics(uri).find((d) => codeOf(d) === 'kv-lens.read-in-outline'));
    assert.equal(outline.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(document.getText(outline.range), '"id2label"');
    assert.match(outline.message, /not expanded: id2label/);

    const textRead = await measured(async () => document.getText().length);

    // Hovers: the first, then repeats (each is a round trip to the worker through the editor).
    const position = document.positionAt(text.indexOf('"num_key_value_heads"') + 2);
    const firstHover = await measured(async () => kvLensHover(document, 'num_key_value_heads'));
    const hover = firstHover.value;
    const hoverTimes: number[] = [];
    const hovering = await measured(async () => {
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        assert.ok((await hoverTexts(document, position)).some((h) => /8 groups of 4/.test(h)));
        hoverTimes.push(performance.now() - t);
      }
    });
    assert.match(hover, /32 query heads share 8 KV heads: 8 groups of 4/);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
    assert.ok(lenses.some((l) => /GQA/.test(l.command?.title ?? '')), 'the summary lens is there');

    // An edit near the end of 48 MB: the debounced re-analysis must put the error on the right line.
    const at = text.indexOf('"num_key_value_heads": 8') + '"num_key_value_heads": '.length;
    const edited = await measured(async () => {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(document.positionAt(at), document.positionAt(at + 1)), '6');
      assert.ok(await vscode.workspace.applyEdit(edit));
      return waitFor('kv-heads-not-divisor on the edited large config', () =>
        kvLensDiagnostics(uri).find((d) => codeOf(d) === 'kv-lens.kv-heads-not-divisor'), 120_000);
    });
    assert.equal(edited.value.range.start.line, document.positionAt(at).line);
    const after = await state(document);
    assert.ok((after?.patches ?? 0) > analysed.value.patches, 'the edit reached the worker as an edit, not as 45 MB of text');
    assert.equal(document.getText(edited.value.range), '6');

    // The parts of an update that still run on this thread, on the edited version: reading the text, copying it to the worker.
    const freshText = await measured(async () => document.getText());
    const cloned = await measured(async () => structuredClone(freshText.value).length);

    const sorted = [...hoverTimes].sort((a, b) => a - b);
    const mb = (text.length / 1e6).toFixed(1);
    figure(`${mb} MB config (${document.lineCount.toLocaleString('en-US')} lines), extension host event loop, longest stall per phase:`);
    figure(`  analysing it on this thread (the design before the worker): ${ms(inThread.maxBlockMs)} ms stall, ${ms(inThread.wallMs)} ms`);
    figure(`  opening it (VS Code handing the text to the extension host): ${ms(opened.maxBlockMs)} ms stall over ${ms(opened.wallMs)} ms`);
    figure(`  KV Lens analysing it in the worker: ${ms(analysed.maxBlockMs)} ms stall over ${ms(analysed.wallMs)} ms until its state was ready; KV Lens's own work on this thread (reading the text, posting it): ${ms(analysed.value.hostMs ?? NaN)} ms`);
    figure(`  document.getText(): ${ms(textRead.wallMs)} ms on the analysed version, ${ms(freshText.wallMs)} ms on an edited one; structuredClone of the text (what posting it to the worker costs): ${ms(cloned.wallMs)} ms`);
    figure(`  hovers through the editor (every provider, VS Code's JSON language server too): the first ${ms(firstHover.wallMs)} ms (the JSON server's first look at the file), then 10 more: median ${ms(sorted[5]!)} ms, max ${ms(sorted[9]!)} ms; ${ms(Math.max(firstHover.maxBlockMs, hovering.maxBlockMs))} ms stall`);
    figure(`  one edit to diagnostics (300 ms debounce, the edit to the worker, re-analysis there): ${ms(edited.wallMs)} ms, ${ms(edited.maxBlockMs)} ms stall; KV Lens's own work on this thread: ${ms(after?.hostMs ?? NaN)} ms`);

    // Leave nothing dirty behind for the other suites' teardown (it reverts dirty fixtures in an editor).
    assert.ok(await document.save());
  });
});
