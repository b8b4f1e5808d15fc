/**
 * Model ids in text (src/core/modelId.ts): a corpus of snippets as people write them, in Python, shell, YAML,
 * TOML, Markdown, Dockerfile and notebook JSON, each with the ids that must be found (and how sure the finder is)
 * and the look-alikes that must not be. Expected values are read off the snippets by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findModelIds, isValidRepoId, modelIdAt, modelPathAt, parseModelRef, type ModelIdTextInfo } from '../../src/core/modelId';

function ids(text: string, info: ModelIdTextInfo = {}): string[] {
  return findModelIds(text, info).map((m) => `${m.id}${m.revision ? `@${m.revision}` : ''} ${m.context}`);
}

describe('repo id rules (huggingface_hub validate_repo_id)', () => {
  it('accepts namespaced ids with letters, digits, - _ .', () => {
    for (const id of ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen2.5-7B', 'a/b', 'org_1/x.y-z', 'mistralai/Mistral-Small-24B-Instruct-2501']) assert.ok(isValidRepoId(id), id);
  });
  it('refuses what validate_repo_id refuses, and a missing namespace', () => {
    for (const id of ['gpt2', 'a/b/c', 'a--b/c', 'a/b..c', 'a/b.git', '-a/b', 'a/b-', '.a/b', 'a/b.', 'a b/c', 'a/ü', `a/${'x'.repeat(95)}`, '/b', 'a/']) assert.ok(!isValidRepoId(id), id);
    // 96 characters is the limit: 2 + 1 + 93 = 96 passes.
    assert.ok(isValidRepoId(`ab/${'x'.repeat(93)}`));
  });
  it('parses ORG/NAME@REV as typed', () => {
    assert.deepEqual(parseModelRef('Qwen/Qwen3-8B'), { id: 'Qwen/Qwen3-8B' });
    assert.deepEqual(parseModelRef(' Qwen/Qwen3-8B@main '), { id: 'Qwen/Qwen3-8B', revision: 'main' });
    assert.deepEqual(parseModelRef('org/name@refs/pr/3'), { id: 'org/name', revision: 'refs/pr/3' });
    assert.equal(parseModelRef('org/name@'), undefined);
    assert.equal(parseModelRef('./models/x'), undefined);
    assert.equal(parseModelRef('org/name@a..b'), undefined);
  });
});

describe('Python', () => {
  it('from_pretrained, pipeline(model=), LLM(), snapshot_download, revision= nearby', () => {
    const py = [
      'from transformers import AutoModelForCausalLM, AutoTokenizer',
      'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen3-32B", torch_dtype="auto")',
      "tok = AutoTokenizer.from_pretrained('meta-llama/Llama-3.1-70B-Instruct',",
      "    revision='refs/pr/12')",
      'pipe = pipeline("text-generation", model="mistralai/Mistral-Small-24B-Instruct-2501")',
      'llm = LLM(model="deepseek-ai/DeepSeek-V3", tensor_parallel_size=8)',
      'path = snapshot_download(repo_id="google/gemma-3-27b-it", revision="main")',
      'names = ["Qwen/Qwen2.5-7B-Instruct", "text/plain", "src/main.py"]',
      'import os.path  # and os/path in a comment',
    ].join('\n');
    assert.deepEqual(ids(py, { languageId: 'python' }), [
      'Qwen/Qwen3-32B strong',
      'meta-llama/Llama-3.1-70B-Instruct@refs/pr/12 strong',
      'mistralai/Mistral-Small-24B-Instruct-2501 strong',
      'deepseek-ai/DeepSeek-V3 strong',
      'google/gemma-3-27b-it@main strong',
      'Qwen/Qwen2.5-7B-Instruct string',
      'os/path prose',
    ]);
  });
  it('ranges cover the id as written', () => {
    const text = 'm = AutoModel.from_pretrained("org/name@v1.0")';
    const [m] = findModelIds(text);
    assert.equal(text.slice(m!.start, m!.end), 'org/name@v1.0');
    assert.equal(m!.revision, 'v1.0');
  });
});

describe('shell and Dockerfile', () => {
  it('vllm serve, --model, llama-server -hf, hf download, sglang --model-path, ENV', () => {
    const sh = [
      'vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size 2',
      'python -m vllm.entrypoints.openai.api_server --model Qwen/Qwen3-8B --revision abc1234',
      'llama-server -hf ggml-org/gemma-3-1b-it-GGUF:Q4_K_M',
      'hf download openai/gpt-oss-20b --include "original/*"',
      'python -m sglang.launch_server --model-path deepseek-ai/DeepSeek-V3 --tp 8',
      'cat ./models/llama/config.json /etc/ssl/certs > out/a',
      'git clone https://github.com/vllm-project/vllm && cd vllm/benchmarks',
      'docker run vllm/vllm-openai:latest --model=mistralai/Mistral-7B-v0.1',
    ].join('\n');
    assert.deepEqual(ids(sh, { languageId: 'shellscript' }), [
      'meta-llama/Llama-3.1-8B-Instruct strong',
      'Qwen/Qwen3-8B@abc1234 strong',
      'ggml-org/gemma-3-1b-it-GGUF strong',
      'openai/gpt-oss-20b strong',
      'deepseek-ai/DeepSeek-V3 strong',
      // Bare words in code are prose: answered only from a cache, never fetched.
      'out/a prose',
      'vllm/benchmarks prose',
      // A docker image is `org/name:tag` too: the tag's `:` ends the id, so it is not even a candidate.
      'mistralai/Mistral-7B-v0.1 strong',
    ]);
  });
  it('Dockerfile ENV and CMD', () => {
    const df = ['FROM python:3.11-slim', 'ENV MODEL_ID=Qwen/Qwen2.5-7B-Instruct', 'COPY app/ /srv/app', 'CMD ["vllm", "serve", "--model", "x"]'].join('\n');
    assert.deepEqual(ids(df, { languageId: 'dockerfile' }), ['Qwen/Qwen2.5-7B-Instruct strong']);
  });
});

describe('YAML, TOML, JSON', () => {
  it('model: keys, quoted or not, with a revision key', () => {
    const yaml = ['model: mistralai/Mistral-Small-24B', 'base_model: "meta-llama/Llama-3.2-1B"', 'revision: v2', 'tokenizer_name: google/gemma-2b', 'output_dir: runs/exp1', 'content_type: application/json'].join('\n');
    assert.deepEqual(ids(yaml, { languageId: 'yaml' }), ['mistralai/Mistral-Small-24B strong', 'meta-llama/Llama-3.2-1B@v2 strong', 'google/gemma-2b strong', 'runs/exp1 prose']);
  });
  it('TOML and JSON keys', () => {
    assert.deepEqual(ids('[server]\nmodel = "Qwen/Qwen3-8B"\n', { languageId: 'toml' }), ['Qwen/Qwen3-8B strong']);
    assert.deepEqual(ids('{ "model": "Qwen/Qwen3-8B", "type": "text/plain" }', { languageId: 'json' }), ['Qwen/Qwen3-8B strong']);
  });
  it('nothing in a package manager manifest, and no @scope/name anywhere', () => {
    const pkg = '{ "name": "x", "dependencies": { "@huggingface/hub": "^2", "lodash/fp": "1" }, "model": "org/name" }';
    assert.deepEqual(ids(pkg, { languageId: 'json', fileName: '/w/package.json' }), []);
    assert.deepEqual(ids(pkg, { languageId: 'json', fileName: '/w/other.json' }), ['lodash/fp string', 'org/name strong']);
  });
  it('notebook JSON: escaped quotes inside a code cell source', () => {
    const nb = String.raw`{"cells": [{"cell_type": "code", "source": ["model = AutoModelForCausalLM.from_pretrained(\"Qwen/Qwen3-8B\")\n", "x = \"a/b\""]}]}`;
    assert.deepEqual(ids(nb, { languageId: 'json', fileName: 'demo.ipynb' }), ['Qwen/Qwen3-8B strong', 'a/b string']);
  });
});

describe('JavaScript and TypeScript imports', () => {
  it('import and require paths are not models', () => {
    const ts = ["import { createRoot } from 'react-dom/client';", 'const fp = require("lodash/fp");', "const m = await import('node/fs');", "import 'zone/js';", 'const model = "Qwen/Qwen3-8B";'].join('\n');
    assert.deepEqual(ids(ts, { languageId: 'typescript' }), ['Qwen/Qwen3-8B strong']);
  });
});

describe('Markdown and prose', () => {
  it('Hub URLs, code spans, and bare a/b as prose only', () => {
    const md = [
      '# Models',
      'Weights: [Llama](https://huggingface.co/meta-llama/Llama-3.1-8B) and <https://hf.co/Qwen/Qwen3-8B/tree/v1>.',
      'Run `vllm serve mistralai/Mistral-7B-v0.1` or try `google/gemma-3-4b-it`.',
      'Input/output and TCP/IP work 24/7; see https://github.com/org/repo and ./docs/a.',
      'Data: https://huggingface.co/datasets/org/data',
      '| model | KV |',
      '| Qwen/Qwen2.5-7B | 56 KiB |',
    ].join('\n');
    assert.deepEqual(ids(md, { languageId: 'markdown' }), [
      'meta-llama/Llama-3.1-8B url',
      'Qwen/Qwen3-8B@v1 url',
      'mistralai/Mistral-7B-v0.1 strong',
      'google/gemma-3-4b-it string',
      'Input/output prose',
      'TCP/IP prose',
      'Qwen/Qwen2.5-7B prose',
    ]);
  });
  it('a sentence-ending dot is not part of the name', () => {
    assert.deepEqual(ids('Use model: org/Name-1.5B.', { languageId: 'markdown' }), ['org/Name-1.5B strong']);
  });
});

describe('modelIdAt', () => {
  const text = 'a = 1\nm = AutoModel.from_pretrained(\n    "Qwen/Qwen3-8B",\n    revision="abc")\nother = "x/y"\n';
  it('finds the id under the offset, with the revision from the next line', () => {
    const at = text.indexOf('Qwen3') + 2;
    const m = modelIdAt(text, at, { languageId: 'python' });
    assert.equal(m?.id, 'Qwen/Qwen3-8B');
    assert.equal(m?.revision, 'abc');
    assert.equal(text.slice(m!.start, m!.end), 'Qwen/Qwen3-8B');
  });
  it('nothing beside an id, and each id on its own line', () => {
    assert.equal(modelIdAt(text, 2), undefined);
    assert.equal(modelIdAt(text, text.indexOf('x/y') + 1)?.id, 'x/y');
    assert.equal(modelIdAt(text, text.length + 5), undefined);
  });
  it('is bounded on a giant line', () => {
    const big = `"org/name" ${'x'.repeat(70_000)}`;
    assert.equal(modelIdAt(big, 3), undefined);
  });
});

describe('local model paths where a model is expected', () => {
  const at = (text: string, needle: string) => modelPathAt(text, text.indexOf(needle) + 1);
  it('after a model flag, key or call: the path as written, with its range', () => {
    const sh = 'vllm serve ./models/llama --tp 2';
    const m = at(sh, 'models');
    assert.equal(m?.path, './models/llama');
    assert.equal(sh.slice(m!.start, m!.end), './models/llama');
    assert.equal(at('m = AutoModel.from_pretrained("/srv/ckpt/qwen")', 'srv')?.path, '/srv/ckpt/qwen');
    assert.equal(at('model: ~/weights/mistral', 'weights')?.path, '~/weights/mistral');
    assert.equal(at('python -m sglang.launch_server --model-path=../ckpt', 'ckpt')?.path, '../ckpt');
  });
  it('not a path elsewhere, nor part of a URL', () => {
    assert.equal(at('cat ./models/llama/config.json', 'models'), undefined);
    assert.equal(at('output_dir: ./runs', 'runs'), undefined);
    assert.equal(at('--model https://example.com/x/y', 'example'), undefined);
  });
});
