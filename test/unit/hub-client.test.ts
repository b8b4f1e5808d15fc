/**
 * The Hub client (src/io/hub.ts) and its settings (src/io/hubSettings.ts) against the loopback fake Hub
 * (test/support/fakeHub.ts): configs as served, each failure mapped to its message, exact weights from
 * safetensors headers read by range, token precedence and offline mode. No request leaves 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchExactWeights, fetchHubConfig, HubError, MAX_HUB_CONFIG_BYTES, type HubClientOptions } from '../../src/io/hub';
import { PUBLIC_HUB, resolveEndpoint, resolveOffline, resolveToken } from '../../src/io/hubSettings';
import { CONFIGS } from '../fixtures/paths';
import { fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';

const LLAMA = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
const TOKEN = 'hf_testtoken0123456789';

async function hubError(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HubError, `expected a HubError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('Hub client on the loopback Hub', () => {
  let hub: FakeHub;
  let opts: HubClientOptions;
  before(async () => {
    hub = await startFakeHub({
      'meta-llama/Meta-Llama-3-8B-Instruct': { files: { 'config.json': LLAMA, 'README.md': '# x' }, revisions: { v1: 'b'.repeat(40) } },
      'org/gated': { files: { 'config.json': LLAMA }, gatedToken: TOKEN },
      'org/gguf-only': { files: { 'model-Q4_K_M.gguf': 'GGUF', 'README.md': '' } },
      'org/limited': { files: { 'config.json': LLAMA }, rateLimitedS: 30 },
      'org/slow': { files: { 'config.json': LLAMA }, delayMs: 2_000 },
      'org/utf16': { files: { 'config.json': Buffer.from('\ufeff{"a":1}', 'utf16le') } },
      'org/huge': { files: { 'config.json': ' '.repeat(MAX_HUB_CONFIG_BYTES + 1) } },
      // Two tensors by hand: 4 x 8 BF16 (32 params, 64 bytes) and 8 F32 (8 params, 32 bytes).
      'org/weights': { files: { 'config.json': LLAMA, 'model.safetensors': { safetensors: { 'a.weight': { dtype: 'BF16', shape: [4, 8] }, 'b.bias': { dtype: 'F32', shape: [8] } } } } },
      // A checkpoint the size of Llama 3 8B's embedding alone (128256 x 4096 BF16 = 1,050,673,152 bytes): only its header is read.
      'org/big-weights': { files: { 'config.json': LLAMA, 'model.safetensors': { safetensors: { embed: { dtype: 'BF16', shape: [128256, 4096] } } } } },
    });
    opts = { endpoint: hub.url, timeoutMs: 5_000 };
  });
  after(() => hub.close());

  it('fetches config.json at the commit main points to, byte for byte', async () => {
    const c = await fetchHubConfig('meta-llama/Meta-Llama-3-8B-Instruct', undefined, opts);
    assert.equal(c.text, LLAMA);
    assert.equal(c.commit, fakeCommit('meta-llama/Meta-Llama-3-8B-Instruct'));
    assert.equal(c.revision, 'main');
    assert.deepEqual(c.files, ['config.json', 'README.md']);
    const v1 = await fetchHubConfig('meta-llama/Meta-Llama-3-8B-Instruct', 'v1', opts);
    assert.equal(v1.commit, 'b'.repeat(40));
  });
  it('makes exactly the model-info, probe and body requests, the file at the commit', async () => {
    hub.requests.length = 0;
    await fetchHubConfig('meta-llama/Meta-Llama-3-8B-Instruct', undefined, opts);
    const c = fakeCommit('meta-llama/Meta-Llama-3-8B-Instruct');
    assert.deepEqual(hub.requests.map((r) => `${r.method} ${r.path}${r.range ? ` ${r.range}` : ''}`), [
      'GET /api/models/meta-llama/Meta-Llama-3-8B-Instruct/revision/main',
      `GET /meta-llama/Meta-Llama-3-8B-Instruct/resolve/${c}/config.json bytes=0-0`,
      `GET /meta-llama/Meta-Llama-3-8B-Instruct/resolve/${c}/config.json`,
    ]);
  });
  it('a gated repo without a token: says gated, links the model page, says how to set a token', async () => {
    const e = await hubError(fetchHubConfig('org/gated', undefined, opts));
    assert.equal(e.kind, 'gated');
    assert.match(e.message, new RegExp(`org/gated is a gated model.*Request access at ${hub.url}/org/gated.*KV Lens: Set Hugging Face Token.*HF_TOKEN`));
    const ok = await fetchHubConfig('org/gated', undefined, { ...opts, token: TOKEN });
    assert.equal(ok.text, LLAMA);
    const wrong = await hubError(fetchHubConfig('org/gated', undefined, { ...opts, token: 'hf_wrong' }));
    assert.match(wrong.message, /your token has not been granted access/);
    // The token is a secret: no message carries it.
    assert.ok(!e.message.includes(TOKEN) && !wrong.message.includes('hf_wrong'));
  });
  it('missing repo, missing revision, no config.json (GGUF-only)', async () => {
    const missing = await hubError(fetchHubConfig('org/absent', undefined, opts));
    assert.equal(missing.kind, 'unauthorized');
    assert.match(missing.message, /org\/absent is not on the Hub .* or it is private/);
    const rev = await hubError(fetchHubConfig('meta-llama/Meta-Llama-3-8B-Instruct', 'nope', opts));
    assert.equal(rev.kind, 'revision-not-found');
    assert.match(rev.message, /has no revision nope/);
    const gguf = await hubError(fetchHubConfig('org/gguf-only', undefined, opts));
    assert.equal(gguf.kind, 'no-config');
    assert.match(gguf.message, /has no config\.json \(a GGUF-only repository: 1 \.gguf file/);
  });
  it('429: rate limited, with the wait, and one request only (no retry loop)', async () => {
    hub.requests.length = 0;
    const e = await hubError(fetchHubConfig('org/limited', undefined, opts));
    assert.equal(e.kind, 'rate-limited');
    assert.equal(e.retryAfterS, 30);
    assert.match(e.message, /rate limiting.*30 s/);
    assert.equal(hub.requests.length, 1);
  });
  it('slow server: the time limit and the caller cancelling both end the call', async () => {
    const t = await hubError(fetchHubConfig('org/slow', undefined, { ...opts, timeoutMs: 200 }));
    assert.equal(t.kind, 'timeout');
    const ac = new AbortController();
    const p = fetchHubConfig('org/slow', undefined, { ...opts, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    assert.equal((await hubError(p)).kind, 'cancelled');
  });
  it('a malformed body gets the local reader\'s words; a huge one is refused by size', async () => {
    const e = await hubError(fetchHubConfig('org/utf16', undefined, opts));
    assert.equal(e.kind, 'bad-response');
    assert.match(e.message, /org\/utf16@[0-9a-f]{40}\/config\.json: UTF-16 \(config\.json must be UTF-8\)/);
    const big = await hubError(fetchHubConfig('org/huge', undefined, opts));
    assert.equal(big.kind, 'too-large');
  });
  it('network down (nothing listening) and offline', async () => {
    const closed = await startFakeHub();
    const url = closed.url;
    await closed.close();
    const e = await hubError(fetchHubConfig('org/x', undefined, { endpoint: url }));
    assert.equal(e.kind, 'network');
    assert.match(e.message, /cannot reach the Hub/);
    hub.requests.length = 0;
    const off = await hubError(fetchHubConfig('meta-llama/Meta-Llama-3-8B-Instruct', undefined, { ...opts, offline: true }));
    assert.equal(off.kind, 'offline');
    assert.equal(hub.requests.length, 0);
  });
  it('DNS failure and an unreadable model info, through an injected fetch (no name is looked up)', async () => {
    const dnsFetch: typeof fetch = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hub.example'), { code: 'ENOTFOUND' }) });
    };
    const dns = await hubError(fetchHubConfig('org/x', undefined, { endpoint: 'https://hub.example', fetch: dnsFetch }));
    assert.equal(dns.kind, 'dns');
    assert.match(dns.message, /cannot resolve the Hub's host name \(hub\.example\)/);
    const garbage: typeof fetch = async () => new Response('<html>captive portal</html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    const bad = await hubError(fetchHubConfig('org/x', undefined, { endpoint: 'https://hub.example', fetch: garbage }));
    assert.equal(bad.kind, 'bad-response');
    assert.match(bad.message, /org\/x: the Hub's answer could not be read/);
  });
  it('exact weights from the safetensors header, by range requests only', async () => {
    const w = await fetchExactWeights('org/weights', fakeCommit('org/weights'), opts);
    assert.ok(w);
    assert.equal(w.tensors, 2);
    assert.equal(w.totalParams, 4 * 8 + 8);
    assert.equal(w.bytes, 4 * 8 * 2 + 8 * 4);
    assert.deepEqual(w.byDtype.map((d) => [d.dtype, d.params, d.bytes]), [['BF16', 32, 64], ['F32', 8, 32]]);
    hub.requests.length = 0;
    const big = await fetchExactWeights('org/big-weights', fakeCommit('org/big-weights'), opts);
    assert.equal(big?.totalParams, 128256 * 4096);
    assert.equal(big?.bytes, 128256 * 4096 * 2);
    // No request read the whole weights file.
    assert.ok(hub.requests.filter((r) => r.path.endsWith('model.safetensors') && r.method === 'GET').every((r) => r.range !== undefined), JSON.stringify(hub.requests));
    assert.equal(await fetchExactWeights('org/gguf-only', fakeCommit('org/gguf-only'), opts), undefined);
  });
});

describe('Hub settings', () => {
  it('endpoint: setting, then HF_ENDPOINT, then the public Hub', () => {
    assert.equal(resolveEndpoint('http://127.0.0.1:9/', { HF_ENDPOINT: 'https://mirror.example' }), 'http://127.0.0.1:9');
    assert.equal(resolveEndpoint('', { HF_ENDPOINT: 'https://mirror.example/' }), 'https://mirror.example');
    assert.equal(resolveEndpoint('not a url', {}), PUBLIC_HUB);
    assert.equal(resolveEndpoint(undefined, { HF_ENDPOINT: 'ftp://x' }), PUBLIC_HUB);
  });
  it('offline: the setting or HF_HUB_OFFLINE as huggingface_hub reads it', () => {
    assert.equal(resolveOffline(undefined, { HF_HUB_OFFLINE: '1' }), true);
    assert.equal(resolveOffline(undefined, { HF_HUB_OFFLINE: 'yes' }), true);
    assert.equal(resolveOffline(undefined, { HF_HUB_OFFLINE: '0' }), false);
    assert.equal(resolveOffline(true, {}), true);
    assert.equal(resolveOffline(false, {}), false);
  });
  it('token: SecretStorage, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the token file', () => {
    const home = mkdtempSync(join(tmpdir(), 'kvlens-hfhome-'));
    try {
      mkdirSync(join(home, 'hf'));
      writeFileSync(join(home, 'hf', 'token'), 'hf_fromfile\n');
      const env = { HF_HOME: join(home, 'hf'), HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' };
      assert.deepEqual(resolveToken('hf_secret', env), { token: 'hf_secret', source: 'secret storage' });
      assert.deepEqual(resolveToken(undefined, env), { token: 'hf_env', source: 'HF_TOKEN' });
      assert.deepEqual(resolveToken(undefined, { ...env, HF_TOKEN: '' }), { token: 'hf_legacy', source: 'HUGGING_FACE_HUB_TOKEN' });
      assert.deepEqual(resolveToken(undefined, { HF_HOME: env.HF_HOME }), { token: 'hf_fromfile', source: 'token file', path: join(home, 'hf', 'token') });
      writeFileSync(join(home, 'other'), 'hf_path');
      assert.equal(resolveToken(undefined, { HF_HOME: env.HF_HOME, HF_TOKEN_PATH: join(home, 'other') })?.token, 'hf_path');
      assert.equal(resolveToken(undefined, { HF_HOME: join(home, 'none') }), undefined);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
