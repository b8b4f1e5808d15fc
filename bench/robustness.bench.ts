/**
 * `npm run bench:robustness`: what a huge config costs (issue 7). Builds a real config (Llama-3-8B)
 * with a giant `id2label` placed FIRST, so every attention key sits after 5 MB / 50 MB of labels,
 * and prints: parse + analysis time (documents over 1 MiB are parsed in outline, src/core/parse.ts),
 * hover latency on the analysed document (first hover on a fresh analysis, then repeated hovers, and
 * a hover inside the skipped labels), lint time, and memory (heap the analysis keeps, peak RSS); then the
 * 50 MB config the way the editor handles it, through the analysis worker thread: what stays on the
 * calling thread on open and on an edit, the longest event-loop stall, hover round trips.
 * Prints figures only; asserts nothing. The same in a real editor: the `large configs` editor test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeText, type Analysis } from '../src/core/analyze';
import { hoverAt } from '../src/core/hover';
import { lint } from '../src/core/lint';
import { OUTLINE_THRESHOLD } from '../src/core/parse';
import { DEFAULT_SETTINGS } from '../src/core/settings';
import { stats, time } from './timing';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LocalBackend } from '../src/analysis/backend';
import { AnalysisWorkerClient } from '../src/analysis/client';
import { DocumentStates } from '../src/analysis/documentStates';
import { CONFIGS as FIXTURE_CONFIGS } from '../test/fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const SETTINGS = { ...DEFAULT_SETTINGS, context: 32768, batch: 8, tensorParallel: 2 };
const URI = { documentUri: 'file:///bench/config.json' };
const HOVER_KEYS = ['"num_key_value_heads"', '"num_attention_heads"', '"hidden_size"', '"num_hidden_layers"', '"max_position_embeddings"', '"torch_dtype"', '"head_dim"'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1 << 20;
const fmtMs = (x: number) => (x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(0));
const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;



/** Llama-3-8B with `id2label` (first) grown until the text is about `bytes` long. */
function giant(bytes: number): string {
  const base = JSON.parse(readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8')) as Record<string, unknown>;
  const id2label: Record<string, string> = {};
  // About 40 bytes per pretty-printed entry ("    \"123456\": \"LABEL_123456_xxxxxxxxxxxxxxx\",\n").
  const entries = Math.ceil(bytes / 44);
  for (let i = 0; i < entries; i++) id2label[String(i)] = `LABEL_${i}_${'x'.repeat(16)}`;
  return JSON.stringify({ id2label, ...base }, null, 2);
}

function row(label: string, targetBytes: number, runs: number): void {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const text = giant(targetBytes);
  gc();
  const heapText = process.memoryUsage().heapUsed;

  // Parse + analysis: the first (cold) run, then the median of the rest.
  const cold = time(1, () => analyzeText(text)).median;
  const warm = time(runs, () => analyzeText(text));
  const baseline = time(1, () => JSON.parse(text)).median;

  gc();
  const before = process.memoryUsage().heapUsed;
  const analysis: Analysis = analyzeText(text);
  gc();
  const kept = process.memoryUsage().heapUsed - before;

  // Hovers: the first on a fresh analysis (memoised costs not yet computed), then repeats.
  const offsets = HOVER_KEYS.map((k) => text.indexOf(k)).filter((o) => o >= 0).map((o) => o + 2);
  const fresh = analyzeText(text);
  const first = time(1, () => hoverAt(fresh, offsets[0]!, SETTINGS, URI)).median;
  const hovered = offsets.filter((o) => hoverAt(analysis, o, SETTINGS, URI) !== undefined).length;
  const hovers = time(200, (i) => hoverAt(analysis, offsets[i % offsets.length]!, SETTINGS, URI));
  const inLabels = Math.floor(text.indexOf('"id2label"') + (text.length * 0.4));
  const labelHover = time(50, () => hoverAt(analysis, inLabels, SETTINGS, URI));
  const lints = time(Math.max(20, runs), () => lint(analysis, SETTINGS));
  const findings = lint(analysis, SETTINGS).length;

  console.log(`\n${label}: ${(text.length / MiB).toFixed(1)} MiB of text (${analysis.parsed.outline ? 'read in outline' : 'read in full'}; outline threshold ${OUTLINE_THRESHOLD / MiB} MiB), model ${analysis.model?.modelType ?? '?'} ${analysis.model?.attention.kind ?? '?'}`);
  console.log(`  parse + analysis   first ${fmtMs(cold)} ms; median ${fmtMs(warm.median)} ms, max ${fmtMs(warm.max)} ms over ${runs} runs   (JSON.parse alone: ${fmtMs(baseline)} ms)`);
  console.log(`  hover              first on a fresh analysis ${fmtMs(first)} ms; ${hovered}/${offsets.length} attention keys answer, median ${fmtMs(hovers.median)} ms, p95 ${fmtMs(hovers.p95)} ms, max ${fmtMs(hovers.max)} ms over 200`);
  console.log(`  hover in id2label  median ${fmtMs(labelHover.median)} ms, max ${fmtMs(labelHover.max)} ms over 50 (nothing to show there)`);
  console.log(`  lint               median ${fmtMs(lints.median)} ms, p95 ${fmtMs(lints.p95)} ms over ${Math.max(20, runs)} (${findings} findings)`);
  console.log(`  memory             text ${fmtMiB(heapText - heap0)} on the heap; one analysis keeps ${fmtMiB(Math.max(0, kept))} more; peak RSS so far ${fmtMiB(process.resourceUsage().maxRSS * 1024)}`);
}

console.log(`KV Lens robustness bench: huge configs (Llama-3-8B + giant id2label placed first); Node ${process.version}, ${new Date().toISOString()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
// Warm the JIT on the plain config so the first-hover figures below measure the document, not compilation.
{
  const small = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
  for (let i = 0; i < 50; i++) {
    const a = analyzeText(small);
    for (const k of HOVER_KEYS) hoverAt(a, small.indexOf(k) + 2, SETTINGS, URI);
    lint(a, SETTINGS);
  }
}
/**
 * The editor's path for the same documents: DocumentStates with the analysis worker thread, as the
 * extension runs it. Prints what stays on the calling thread (reading and posting the text, or the
 * edits), the longest event-loop stall while the worker works, and the round trips.
 */
async function offThread(label: string, targetBytes: number): Promise<void> {
  const text = giant(targetBytes);
  const worker = new AnalysisWorkerClient();
  const states = new DocumentStates({ local: new LocalBackend(), offThread: worker });
  let current = text;
  const doc = { key: 'file:///bench/config.json', version: 1, languageId: 'json', scheme: 'file', path: '/bench/config.json', getText: () => current };
  try {
    // Start the worker on a small document first: its start-up is not the document's cost.
    await states.get({ ...doc, key: 'file:///bench/warm.json', path: '/bench/warm.json', getText: () => text.slice(text.indexOf('"architectures"') - 1).replace(/^,/, '{') });
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, 15));
    let t = performance.now();
    const view = await states.get(doc);
    const openWall = performance.now() - t;
    const openHost = states.hostMs(doc.key)!;
    await new Promise((resolve) => setTimeout(resolve, 15));
    const openStall = histogram.max / 1e6;

    const offset = text.indexOf('"num_key_value_heads"') + 2;
    const hovers: number[] = [];
    for (let i = 0; i < 50; i++) {
      t = performance.now();
      await states.hover(doc, offset);
      hovers.push(performance.now() - t);
    }

    // One edit near the end, sent as an edit.
    const at = text.indexOf('"num_key_value_heads": 8') + '"num_key_value_heads": '.length;
    current = text.slice(0, at) + '6' + text.slice(at + 1);
    doc.version = 2;
    states.recordChanges(doc.key, 2, [{ offset: at, length: 1, text: '6' }]);
    histogram.reset();
    await new Promise((resolve) => setTimeout(resolve, 15));
    t = performance.now();
    const edited = await states.get(doc);
    const editWall = performance.now() - t;
    const editHost = states.hostMs(doc.key)!;
    await new Promise((resolve) => setTimeout(resolve, 15));
    const editStall = histogram.max / 1e6;
    histogram.disable();

    const h = stats(hovers);
    console.log(`\n${label} through the analysis worker thread (as the editor runs it): ${view.summary()?.kind ?? '?'}, after the edit ${edited.findings().map((f) => f.code).join(', ') || 'no findings'}`);
    console.log(`  open               ${fmtMs(openWall)} ms until the view; this thread: ${fmtMs(openHost)} ms reading and posting the text, longest stall ${fmtMs(openStall)} ms`);
    console.log(`  hover              round trip median ${fmtMs(h.median)} ms, p95 ${fmtMs(h.p95)} ms, max ${fmtMs(h.max)} ms over 50`);
    console.log(`  one edit           ${fmtMs(editWall)} ms until the new view (sent as an edit; ${states.patches} patch); this thread: ${fmtMs(editHost)} ms, longest stall ${fmtMs(editStall)} ms`);
  } finally {
    worker.dispose();
  }
}

void (async () => {
  row('5 MB config', 5_000_000, 10);
  row('50 MB config', 50_000_000, 5);
  await offThread('50 MB config', 50_000_000);
})();
