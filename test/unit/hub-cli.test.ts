/**
 * `kv-lens analyze ORG/NAME[@REV]` through a CLI bundle built fresh (test/support/cli.ts), against the loopback
 * fake Hub (HF_ENDPOINT) and fake Hugging Face caches (HF_HUB_CACHE). The reference for every figure is the
 * same command on the local file: a model id must give exactly the local file's report, `file` aside.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFIGS } from '../fixtures/paths';
import { spawn, type SpawnOptions } from 'node:child_process';
import { buildCli, jsonLines } from '../support/cli';
import { cacheModel, fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';

/** The corpus by Hub id, from SOURCES.tsv (file -> hub_model_id). */
const CORPUS = readFileSync(join(CONFIGS, 'SOURCES.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')).map(([file, id]) => ({ file: file!, id: id! }));
const TOKEN = 'hf_cli_test_token';
/** A config with a missing comma (as in cli.test.ts): the same refusal from the Hub as from a file. */
const BROKEN = '{"model_type": "llama",\n  "num_attention_heads": 32\n  "num_hidden_layers": 2}';

/**
 * The CLI in a child process, awaited: the fake Hub runs in this process, so a synchronous spawn (runCli) would
 * hold the event loop the server needs to answer.
 */
function runCli(cli: string, args: string[], options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('kv-lens analyze with Hub model ids', () => {
  let tmp: string;
  let cli: string;
  let hub: FakeHub;
  /** An environment with nothing of this machine's: empty caches, no token, the fake Hub. */
  let env: (extra?: Record<string, string>) => NodeJS.ProcessEnv;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kvlens-hubcli-'));
    cli = await buildCli(tmp);
    const repos: Parameters<typeof startFakeHub>[0] = {};
    for (const c of CORPUS) repos[c.id] = { files: { 'config.json': readFileSync(join(CONFIGS, c.file)) } };
    // One BF16 tensor of 128256 x 4096 beside Llama 3 8B's config: 525,336,576 parameters, 2 bytes each.
    repos['org/weights'] = { files: { 'config.json': readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json')), 'model.safetensors': { safetensors: { embed: { dtype: 'BF16', shape: [128256, 4096] } } } } };
    repos['org/broken'] = { files: { 'config.json': BROKEN } };
    repos['org/gated'] = { files: { 'config.json': readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json')) }, gatedToken: TOKEN };
    hub = await startFakeHub(repos);
    let n = 0;
    env = (extra = {}) => {
      const home = join(tmp, `home${n++}`);
      return { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), HF_HUB_CACHE: join(home, 'hf'), HF_ENDPOINT: hub.url, ...extra };
    };
  });
  after(async () => {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(`every config of the corpus (${CORPUS.length}) by id equals the local file's report, file aside`, async () => {
    assert.ok(CORPUS.length >= 30);
    const local = await runCli(cli, ['analyze', ...CORPUS.map((c) => join(CONFIGS, c.file)), '--json', '--gpu-mem', '80'], { env: env() });
    const remote = await runCli(cli, ['analyze', ...CORPUS.map((c) => c.id), '--json', '--gpu-mem', '80'], { env: env() });
    assert.equal(remote.code, local.code, remote.stderr);
    const a = jsonLines(local.stdout);
    const b = jsonLines(remote.stdout);
    assert.equal(b.length, CORPUS.length);
    CORPUS.forEach((c, i) => {
      assert.equal(b[i]!.file, `${c.id}@${fakeCommit(c.id)}`);
      assert.deepEqual({ ...b[i], file: '' }, { ...a[i], file: '' }, c.id);
    });
  });
  it('mixed with files, in input order, with a revision', async () => {
    hub.repos.get('Qwen/Qwen3-8B')!.revisions = { v1: 'c'.repeat(40) };
    const r = await runCli(cli, ['analyze', join(CONFIGS, 'phi3__phi-4.json'), 'Qwen/Qwen3-8B@v1', '--json'], { env: env() });
    const [file, model] = jsonLines(r.stdout);
    assert.equal(file!.file, join(CONFIGS, 'phi3__phi-4.json'));
    assert.equal(model!.file, `Qwen/Qwen3-8B@${'c'.repeat(40)}`);
    assert.equal(model!.modelType, 'qwen3');
  });
  it('HF_HUB_OFFLINE=1 answers from the Hugging Face cache and asks the Hub nothing', async () => {
    const e = env({ HF_HUB_OFFLINE: '1' });
    cacheModel(e.HF_HUB_CACHE!, 'meta-llama/Meta-Llama-3-8B-Instruct', readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8'));
    hub.requests.length = 0;
    const r = await runCli(cli, ['analyze', 'meta-llama/Meta-Llama-3-8B-Instruct', '--json'], { env: e });
    const local = await runCli(cli, ['analyze', join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), '--json'], { env: e });
    assert.equal(r.code, local.code, r.stderr);
    const [m] = jsonLines(r.stdout);
    assert.equal(m!.file, `meta-llama/Meta-Llama-3-8B-Instruct@${'a'.repeat(40)}`);
    assert.deepEqual({ ...m, file: '' }, { ...jsonLines(local.stdout)[0], file: '' });
    const miss = await runCli(cli, ['analyze', 'Qwen/Qwen3-8B'], { env: e });
    assert.equal(miss.code, 1);
    assert.match(miss.stderr, /Qwen\/Qwen3-8B: no such file or folder; as a Hub model id: Qwen\/Qwen3-8B@main: offline \(HF_HUB_OFFLINE/);
    assert.equal(hub.requests.length, 0);
  });
  it('a model fetched once is answered from KV Lens\'s store with the Hub gone', async () => {
    const e = env();
    const first = await runCli(cli, ['analyze', 'openai/gpt-oss-20b', '--json'], { env: e });
    assert.equal(first.code, 0, first.stderr);
    const other = await startFakeHub();
    await other.close(); // nothing listens there now
    const second = await runCli(cli, ['analyze', 'openai/gpt-oss-20b', '--json'], { env: { ...e, HF_ENDPOINT: other.url } });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(jsonLines(second.stdout), jsonLines(first.stdout));
  });
  it('exact weights from the safetensors headers replace the estimate, labelled exact', async () => {
    const r = await runCli(cli, ['analyze', 'org/weights', '--json', '--gpu-mem', '80'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const w = jsonLines(r.stdout)[0]!.weights as Record<string, unknown>;
    assert.equal(w.exact, true);
    assert.equal(w.totalParams, 128256 * 4096);
    assert.equal(w.bytes, 128256 * 4096 * 2);
    assert.match(String(w.source), /^org\/weights@[0-9a-f]{12} safetensors headers \(model\.safetensors\)$/);
  });
  it('a malformed config.json from the Hub gets the same message as the same file on disk', async () => {
    const dir = mkdtempSync(join(tmp, 'broken-'));
    writeFileSync(join(dir, 'config.json'), BROKEN);
    const local = await runCli(cli, ['analyze', join(dir, 'config.json'), '--json'], { env: env() });
    const remote = await runCli(cli, ['analyze', 'org/broken', '--json'], { env: env() });
    assert.equal(remote.code, 1);
    const a = jsonLines(local.stdout)[0]!;
    const b = jsonLines(remote.stdout)[0]!;
    assert.match(String(a.error), /not valid JSON: Comma expected/);
    assert.equal(b.error, a.error);
    assert.equal(b.file, `org/broken@${fakeCommit('org/broken')}`);
  });
  it('gated without a token exits 1 with the message; with HF_TOKEN it answers', async () => {
    const no = await runCli(cli, ['analyze', 'org/gated'], { env: env() });
    assert.equal(no.code, 1);
    assert.match(no.stderr, new RegExp(`org/gated is a gated model: it needs a token .*Request access at ${hub.url}/org/gated, then .*HF_TOKEN`));
    const yes = await runCli(cli, ['analyze', 'org/gated', '--json'], { env: env({ HF_TOKEN: TOKEN }) });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(jsonLines(yes.stdout)[0]!.modelType, 'llama');
    assert.ok(!yes.stderr.includes(TOKEN) && !yes.stdout.includes(TOKEN));
  });
  it('an id that is not on the Hub, and a local folder named like an id, which wins', async () => {
    const r = await runCli(cli, ['analyze', 'nobody/nothing'], { env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nobody\/nothing: no such file or folder; as a Hub model id: nobody\/nothing is not on the Hub/);
    // test/fixtures/configs exists: "fixtures/configs" relative to test/ is a folder, never an id.
    const local = await runCli(cli, ['analyze', 'fixtures/configs', '--json'], { env: env(), cwd: join(CONFIGS, '..', '..') });
    assert.equal(jsonLines(local.stdout).length, CORPUS.length);
  });
});
