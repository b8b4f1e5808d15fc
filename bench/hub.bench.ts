/**
 * Model-id hover latency outside the editor: what the hover provider does (src/extension/hub/hover.ts) minus
 * VS Code's round trip: find the id on the line (core/modelId), resolve it (src/io/hubResolve: the HF cache,
 * KV Lens's store, the Hub), analyse the config and write the summary (core/hover's HoverContext).
 * - an id in the Hugging Face cache (a fake cache laid out as huggingface_hub does; target < 20 ms);
 * - an id from the loopback Hub (test/support/fakeHub.ts): the first hover (model info, config probe and body,
 *   safetensors probes), then a second one in a new window (from KV Lens's store) and in the same session
 *   (the resolved config in memory: only the id search, the analysis and the summary).
 * The in-editor figures (with VS Code's executeHoverProvider round trip) are printed by `npm run test:editor`
 * (test/editor/hub.test.ts). Run: npm run bench:hub
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeText } from '../src/core/analyze';
import { HoverContext } from '../src/core/hover/context';
import { CommandLinks } from '../src/core/hover/markdown';
import { modelIdAt } from '../src/core/modelId';
import { DEFAULT_SETTINGS } from '../src/core/settings';
import { resolveModel, type ResolvedModel, type ResolveOptions } from '../src/io/hubResolve';
import { HubStore } from '../src/io/hubStore';
import { CONFIGS } from '../test/fixtures/paths';
import { cacheModel, startFakeHub } from '../test/support/fakeHub';
import { stats } from './timing';

const LLAMA = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
const LINE = 'model = AutoModelForCausalLM.from_pretrained("ID")';

function render(model: ResolvedModel): string {
  const analysis = analyzeText(model.text);
  const c = new HoverContext(analysis, analysis.model!, DEFAULT_SETTINGS, new CommandLinks(`kv-lens-hub:/${model.id}/config.json?${model.commit}`));
  return [c.kindSentence(), c.costTable(false), c.linksLine()].join('\n\n');
}

async function hover(id: string, opts: ResolveOptions): Promise<number> {
  const text = LINE.replace('ID', id);
  const t0 = performance.now();
  const m = modelIdAt(text, text.indexOf(id) + 2, { languageId: 'python' });
  const r = await resolveModel({ id: m!.id }, opts);
  if ('error' in r) throw new Error(r.error);
  render(r);
  return performance.now() - t0;
}

const fmt = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'kvlens-hubbench-'));
  const hub = await startFakeHub();
  try {
    const cache = join(tmp, 'hf');
    cacheModel(cache, 'cached/llama', LLAMA);
    const client = { endpoint: hub.url, timeoutMs: 10_000 };
    const cached = [];
    for (let i = 0; i < 200; i++) cached.push(await hover('cached/llama', { cacheDir: cache, client }));
    const s = stats(cached.slice(20));
    console.log(`id in the HF cache:            median ${fmt(s.median)} ms, p95 ${fmt(s.p95)} ms, max ${fmt(s.max)} ms (target < 20 ms; 180 hovers after 20 warm-up)`);

    const firsts: number[] = [];
    const stored: number[] = [];
    const memory: number[] = [];
    let requests = 0;
    for (let i = 0; i < 30; i++) {
      const id = `org/llama-${i}`;
      hub.repos.set(id, { files: { 'config.json': LLAMA } });
      const store = new HubStore(join(tmp, `store${i}`));
      const before = hub.requests.length;
      firsts.push(await hover(id, { cacheDir: cache, store, client }));
      requests = hub.requests.length - before;
      stored.push(await hover(id, { cacheDir: cache, store: new HubStore(store.dir), client }));
      const r = await resolveModel({ id }, { cacheDir: cache, store, client });
      if ('error' in r) throw new Error(r.error);
      const text = LINE.replace('ID', id);
      const t0 = performance.now();
      modelIdAt(text, text.indexOf(id) + 2, { languageId: 'python' });
      render(r);
      memory.push(performance.now() - t0);
    }
    const f = stats(firsts.slice(3));
    const st = stats(stored.slice(3));
    const me = stats(memory.slice(3));
    console.log(`loopback Hub, first hover:     median ${fmt(f.median)} ms, p95 ${fmt(f.p95)} ms (${requests} requests: model info, config probe and body; no safetensors in these repos, so no header reads)`);
    console.log(`second hover, new window:      median ${fmt(st.median)} ms, p95 ${fmt(st.p95)} ms (KV Lens's store, no request)`);
    console.log(`second hover, same session:    median ${fmt(me.median)} ms, p95 ${fmt(me.p95)} ms (config in memory: id search, analysis, summary)`);
  } finally {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
