/**
 * Where a model id's config comes from (src/io/hubResolve.ts) and KV Lens's own store (src/io/hubStore.ts):
 * the HF cache before the store before the Hub, offline answers, the store as a fallback when the Hub is out
 * of reach, cache-only lookups (prose) that make no request, and the store's bounds. The Hub is the loopback
 * fake; its request log says what was asked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveModel, type ResolveOptions } from '../../src/io/hubResolve';
import { HubStore } from '../../src/io/hubStore';
import { CONFIGS } from '../fixtures/paths';
import { cacheModel, fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';

const LLAMA = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
const QWEN = readFileSync(join(CONFIGS, 'qwen3__Qwen3-8B.json'), 'utf8');

describe('resolution order', () => {
  let tmp: string;
  let hub: FakeHub;
  let n = 0;
  const fresh = (over: Partial<ResolveOptions> = {}): ResolveOptions => ({ cacheDir: join(tmp, `hf${n}`), store: new HubStore(join(tmp, `store${n++}`)), client: { endpoint: hub.url, timeoutMs: 5_000 }, ...over });
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kvlens-resolve-'));
    hub = await startFakeHub({ 'org/m': { files: { 'config.json': QWEN, 'model.safetensors': { safetensors: { w: { dtype: 'BF16', shape: [16, 16] } } } } } });
  });
  after(async () => {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the HF cache answers first, with no request', async () => {
    const opts = fresh();
    cacheModel(opts.cacheDir, 'org/m', LLAMA);
    hub.requests.length = 0;
    const r = await resolveModel({ id: 'org/m' }, opts);
    assert.ok(!('error' in r));
    assert.equal(r.source.kind, 'hf-cache');
    assert.equal(r.text, LLAMA);
    assert.equal(hub.requests.length, 0);
  });
  it('then the Hub, with exact weights (16 x 16 BF16: 256 parameters, 512 bytes), kept in the store', async () => {
    const opts = fresh();
    const r = await resolveModel({ id: 'org/m' }, opts);
    assert.ok(!('error' in r));
    assert.equal(r.source.kind, 'hub');
    assert.equal(r.label, `org/m@${fakeCommit('org/m')}`);
    assert.equal(r.exactWeights?.totalParams, 256);
    assert.equal(r.exactWeights?.bytes, 512);
    hub.requests.length = 0;
    const again = await resolveModel({ id: 'org/m' }, opts);
    assert.ok(!('error' in again));
    assert.equal(again.source.kind, 'store');
    assert.equal(again.exactWeights?.totalParams, 256);
    assert.equal(hub.requests.length, 0);
  });
  it('a stored branch older than its age is asked again online, used at any age offline or with the Hub gone', async () => {
    const opts = fresh({ refMaxAgeMs: 0 });
    await resolveModel({ id: 'org/m' }, opts);
    await new Promise((r) => setTimeout(r, 5));
    hub.requests.length = 0;
    const online = await resolveModel({ id: 'org/m' }, opts);
    assert.equal(!('error' in online) && online.source.kind, 'hub');
    assert.ok(hub.requests.length > 0);
    const offline = await resolveModel({ id: 'org/m' }, { ...opts, client: { ...opts.client, offline: true } });
    assert.equal(!('error' in offline) && offline.source.kind, 'store');
    const gone = await startFakeHub();
    await gone.close();
    const unreachable = await resolveModel({ id: 'org/m' }, { ...opts, client: { endpoint: gone.url } });
    assert.equal(!('error' in unreachable) && unreachable.source.kind, 'store');
  });
  it('offline and cache-only lookups of an unknown id make no request and say why', async () => {
    hub.requests.length = 0;
    const off = await resolveModel({ id: 'org/m' }, fresh({ client: { endpoint: hub.url, offline: true } }));
    assert.ok('error' in off);
    assert.equal(off.kind, 'offline');
    assert.match(off.error, /org\/m@main: offline .*not in the Hugging Face cache/);
    const prose = await resolveModel({ id: 'and/or' }, fresh({ cacheOnly: true }));
    assert.ok('error' in prose);
    assert.equal(prose.kind, 'cache');
    assert.equal(hub.requests.length, 0);
  });
  it('a GGUF-only repo recorded in the HF cache is answered as such, without asking the Hub', async () => {
    const opts = fresh();
    cacheModel(opts.cacheDir, 'org/gguf', undefined, { noExist: true });
    hub.requests.length = 0;
    const r = await resolveModel({ id: 'org/gguf' }, opts);
    assert.ok('error' in r);
    assert.equal(r.kind, 'no-config');
    assert.equal(hub.requests.length, 0);
  });
});

describe('KV Lens store', () => {
  it('keeps at most N configs, the most recently written, and what each branch pointed to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlens-store-'));
    try {
      const store = new HubStore(dir, { maxEntries: 3, maxBytes: 1 << 20 });
      const commits = ['1', '2', '3', '4', '5'].map((c) => c.repeat(40));
      commits.forEach((commit, i) => {
        store.put({ id: 'org/m', commit, text: `{"i": ${i}}`, bom: false, fetchedAt: 1000 + i }, 'main');
        // mtimes a second apart, so "most recent" does not depend on the file system's clock resolution.
        utimesSync(join(dir, 'hub', 'org--m', `${commit}.json`), 1000 + i, 1000 + i);
      });
      const kept = readdirSync(join(dir, 'hub', 'org--m')).filter((f) => f.endsWith('.json') && f !== 'refs.json').sort();
      assert.deepEqual(kept, commits.slice(2).map((c) => `${c}.json`));
      assert.equal(store.get('org/m', commits[0]!), undefined);
      assert.equal(store.get('org/m', commits[4]!)?.text, '{"i": 4}');
      assert.deepEqual(store.ref('org/m', 'main'), { commit: commits[4], at: 1004 });
      assert.deepEqual(store.ids(), ['org/m']);
      // A byte bound: every record below is the same size (one-digit fetchedAt, 40-digit commit), so a bound of
      // 300 bytes keeps floor(300 / size) of them, counting from the most recent.
      const small = new HubStore(join(dir, 'small'), { maxEntries: 100, maxBytes: 300 });
      const record = (i: number) => ({ id: 'org/x', commit: String(i).repeat(40), text: 'x'.repeat(10), bom: false, fetchedAt: i });
      const size = Buffer.byteLength(JSON.stringify(record(0)));
      for (let i = 0; i < 10; i++) {
        small.put(record(i));
        utimesSync(join(dir, 'small', 'hub', 'org--x', `${record(i).commit}.json`), 1000 + i, 1000 + i);
      }
      const left = readdirSync(join(dir, 'small', 'hub', 'org--x')).filter((f) => /^\d{40}\.json$/.test(f)).sort();
      const keep = Math.floor(300 / size);
      assert.deepEqual(left, Array.from({ length: keep }, (_, k) => `${String(10 - keep + k).repeat(40)}.json`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('ids and commits that could leave the store are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlens-store-'));
    try {
      const store = new HubStore(dir);
      store.put({ id: '../evil', commit: 'a'.repeat(40), text: '{}', bom: false, fetchedAt: 0 });
      store.put({ id: 'org/m', commit: '../../x', text: '{}', bom: false, fetchedAt: 0 });
      assert.deepEqual(readdirSync(dir), []);
      assert.equal(store.get('org/m', '../../x'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
