/**
 * The HF cache resolver (src/io/hfCache.ts) on cache trees laid out as huggingface_hub lays them
 * (file_download.py): refs/<rev> holding a commit, snapshots/<commit>/config.json linked into blobs/<etag>,
 * .no_exist/<commit>/config.json for a file the Hub lacks. Each tree is built by the test in a temporary folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hfHomeDir, hfHubCacheDir, listCachedModels, readCachedConfig, repoFolderName } from '../../src/io/hfCache';
import { CONFIGS } from '../fixtures/paths';
import { cacheModel } from '../support/fakeHub';

const COMMIT = 'a'.repeat(40); // cacheModel's default commit
const OTHER = '0123456789abcdef0123456789abcdef01234567';

describe('where the cache is', () => {
  it('HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(hfHubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }, '/home/u'), '/c');
    assert.equal(hfHubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }, '/home/u'), '/legacy');
    assert.equal(hfHubCacheDir({ HF_HOME: '/h' }, '/home/u'), '/h/hub');
    assert.equal(hfHubCacheDir({ XDG_CACHE_HOME: '/x' }, '/home/u'), '/x/huggingface/hub');
    assert.equal(hfHubCacheDir({}, '/home/u'), '/home/u/.cache/huggingface/hub');
    assert.equal(hfHomeDir({ HF_HOME: '~/hf' }, '/home/u'), '/home/u/hf');
  });
  it('names a repo folder as huggingface_hub does', () => {
    assert.equal(repoFolderName('meta-llama/Llama-3.1-8B'), 'models--meta-llama--Llama-3.1-8B');
  });
});

describe('reading a cached config', () => {
  let cache: string;
  const llama = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
  before(() => {
    cache = mkdtempSync(join(tmpdir(), 'kvlens-hfcache-'));
    cacheModel(cache, 'meta-llama/Meta-Llama-3-8B-Instruct', llama, { refs: { main: COMMIT, 'refs/pr/3': COMMIT } });
    cacheModel(cache, 'org/dangling', '{}', { dangling: true });
    cacheModel(cache, 'org/gguf-only', undefined, { noExist: true });
    cacheModel(cache, 'org/noref', llama, { refs: {} });
    cacheModel(cache, 'org/badref', llama, { refs: { main: 'not a hash\n' } });
    cacheModel(cache, 'org/two', llama, { commit: OTHER, refs: { main: `${OTHER}\n` } });
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('follows refs/main to the snapshot and its link into blobs', () => {
    const r = readCachedConfig('meta-llama/Meta-Llama-3-8B-Instruct', undefined, cache);
    assert.equal(r.kind, 'found');
    if (r.kind !== 'found') return;
    assert.equal(r.commit, COMMIT);
    assert.equal(r.revision, 'main');
    assert.equal(r.config.text, llama);
    assert.equal(r.path, join(cache, 'models--meta-llama--Meta-Llama-3-8B-Instruct', 'snapshots', COMMIT, 'config.json'));
  });
  it('a nested ref (refs/pr/3) and a ref with a trailing newline', () => {
    assert.equal(readCachedConfig('meta-llama/Meta-Llama-3-8B-Instruct', 'refs/pr/3', cache).kind, 'found');
    const r = readCachedConfig('org/two', 'main', cache);
    assert.equal(r.kind === 'found' && r.commit, OTHER);
  });
  it('a commit given directly needs no ref', () => {
    const r = readCachedConfig('org/noref', COMMIT, cache);
    assert.equal(r.kind === 'found' && r.commit, COMMIT);
  });
  it('a missing ref, a missing model and a bad ref are misses with the reason', () => {
    const noRef = readCachedConfig('org/noref', undefined, cache);
    assert.equal(noRef.kind, 'missing');
    assert.match(noRef.kind === 'missing' ? noRef.reason : '', /no ref main/);
    const absent = readCachedConfig('org/absent', undefined, cache);
    assert.match(absent.kind === 'missing' ? absent.reason : '', /not in the Hugging Face cache/);
    const bad = readCachedConfig('org/badref', undefined, cache);
    assert.match(bad.kind === 'missing' ? bad.reason : '', /does not hold a commit hash/);
    assert.equal(readCachedConfig('org/two', 'v9', cache).kind, 'missing');
  });
  it('a dangling snapshot link is unreadable, naming the path', () => {
    const r = readCachedConfig('org/dangling', undefined, cache);
    assert.equal(r.kind, 'unreadable');
    if (r.kind !== 'unreadable') return;
    assert.equal(r.error.kind, 'missing');
    assert.match(r.error.message, /snapshots\/a{40}\/config\.json: a symbolic link whose target does not exist/);
  });
  it('.no_exist says the Hub has no config.json', () => {
    const r = readCachedConfig('org/gguf-only', undefined, cache);
    assert.equal(r.kind, 'no-config');
    assert.match(r.kind === 'no-config' ? r.reason : '', /has no config\.json .*GGUF-only/);
  });
  it('ids and revisions that could leave the cache are refused before any file is looked at', () => {
    assert.equal(readCachedConfig('../etc/passwd', undefined, cache).kind, 'missing');
    // A revision that climbs out of refs/ (three parent steps) is refused by its shape.
    assert.equal(readCachedConfig('org/two', ['..', '..', '..', 'etc'].join('/'), cache).kind, 'missing');
  });
  it('lists cached models with their refs', () => {
    const list = listCachedModels(cache);
    assert.deepEqual(list.map((m) => m.id), ['meta-llama/Meta-Llama-3-8B-Instruct', 'org/badref', 'org/dangling', 'org/gguf-only', 'org/noref', 'org/two']);
    // Only top-level refs are offered (refs/pr/3 sits in a folder): completion offers branches, not PR refs.
    assert.deepEqual(list[0]!.refs, ['main']);
    assert.deepEqual(listCachedModels(join(cache, 'nope')), []);
  });
});
