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
      // `os/path` in the comment: `os` is a module / folder name (PATH_ROOTS), not a namespace.
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
      // Bare words in code are prose: answered only from a cache, never fetched. `out/a` is a folder (`out` is a
      // path root), refused outright.
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
    assert.deepEqual(ids(yaml, { languageId: 'yaml' }), ['mistralai/Mistral-Small-24B strong', 'meta-llama/Llama-3.2-1B@v2 strong', 'google/gemma-2b strong']);
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
      // TCP/IP: two words of at most 3 letters joined by a slash (and/or, km/h, I/O): never an id in bare text.
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

describe('snippets people write (recall)', () => {
  // Each line names one model; the expected id, context, revision and quant tag are read off the line by hand.
  const cases: [string, string, string][] = [
    ['python', 'tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct", revision="main")', 'meta-llama/Llama-3.1-8B-Instruct@main strong'],
    ['python', 'pipe = pipeline("text-generation", model="Qwen/Qwen2.5-7B-Instruct")', 'Qwen/Qwen2.5-7B-Instruct strong'],
    ['python', 'pipe = pipeline("text-generation", "Qwen/Qwen2.5-7B-Instruct")', 'Qwen/Qwen2.5-7B-Instruct strong'],
    ['python', 'llm = LLM(model="mistralai/Mistral-7B-Instruct-v0.3")', 'mistralai/Mistral-7B-Instruct-v0.3 strong'],
    ['python', 'm = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")', 'sentence-transformers/all-MiniLM-L6-v2 strong'],
    ['python', 'hf_hub_download(repo_id="google/gemma-2-2b", filename="config.json")', 'google/gemma-2-2b strong'],
    ['python', 'snapshot_download("openai/gpt-oss-20b")', 'openai/gpt-oss-20b strong'],
    ['shellscript', 'huggingface-cli download Qwen/Qwen3-8B', 'Qwen/Qwen3-8B strong'],
    ['shellscript', 'hf download Qwen/Qwen3-8B --include "*.json" --revision v1.1', 'Qwen/Qwen3-8B@v1.1 strong'],
    ['shellscript', 'vllm serve Qwen/Qwen3-32B --tensor-parallel-size 2', 'Qwen/Qwen3-32B strong'],
    ['shellscript', 'python -m sglang.launch_server --model-path Qwen/Qwen3-8B', 'Qwen/Qwen3-8B strong'],
    ['shellscript', 'llama-server -hf ggml-org/gemma-3-1b-it-GGUF:Q4_K_M', 'ggml-org/gemma-3-1b-it-GGUF :Q4_K_M strong'],
    ['shellscript', 'ollama run hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:IQ3_M', 'bartowski/Llama-3.2-1B-Instruct-GGUF :IQ3_M url'],
    ['yaml', 'model_name_or_path: Qwen/Qwen2.5-0.5B', 'Qwen/Qwen2.5-0.5B strong'],
    ['markdown', '---\nlicense: apache-2.0\nbase_model: Qwen/Qwen2.5-7B\n---', 'Qwen/Qwen2.5-7B strong'],
    ['toml', '[serve]\nmodel_name = "Qwen/Qwen3-8B"', 'Qwen/Qwen3-8B strong'],
    ['dotenv', 'MODEL=meta-llama/Llama-3.2-1B', 'meta-llama/Llama-3.2-1B strong'],
    ['markdown', 'See https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json', 'Qwen/Qwen3-8B@main url'],
    ['markdown', 'Mirror: hf.co/Qwen/Qwen3-8B', 'Qwen/Qwen3-8B url'],
    ['shellscript', 'git clone https://huggingface.co/Qwen/Qwen3-8B.git', 'Qwen/Qwen3-8B url'],
    ['javascript', "const p = await pipeline('sentiment-analysis', 'Xenova/distilbert-base-uncased-finetuned-sst-2-english');", 'Xenova/distilbert-base-uncased-finetuned-sst-2-english strong'],
  ];
  for (const [languageId, text, want] of cases) {
    it(text.split('\n').pop()!, () => {
      const got = findModelIds(text, { languageId }).map((m) => `${m.id}${m.revision ? `@${m.revision}` : ''}${m.quant ? ` :${m.quant}` : ''} ${m.context}`);
      assert.deepEqual(got, [want]);
    });
  }
  it('base_model as a YAML list in a model card: each item', () => {
    const card = ['---', 'base_model:', '- Qwen/Qwen2.5-7B', '- meta-llama/Llama-3.1-8B', 'tags:', '- text/generation', '---'].join('\n');
    // The two items under base_model are models; `text/generation` under `tags:` is not (text/ is a MIME top).
    assert.deepEqual(ids(card, { languageId: 'markdown' }), ['Qwen/Qwen2.5-7B strong', 'meta-llama/Llama-3.1-8B strong']);
  });
  it('docker run IMAGE --model ID: the image refused, the model kept', () => {
    const line = 'docker run --gpus all -p 8000:8000 vllm/vllm-openai --model Qwen/Qwen3-8B';
    assert.deepEqual(ids(line, { languageId: 'shellscript' }), ['Qwen/Qwen3-8B strong']);
  });
});

describe('look-alikes (precision)', () => {
  const none: [string, string][] = [
    ['yaml', 'image: vllm/vllm-openai:latest'],
    ['yaml', '    image: vllm/vllm-openai'],
    ['yaml', '    container: nvidia/cuda'],
    ['shellscript', 'docker pull vllm/vllm-openai'],
    ['dockerfile', 'FROM nvidia/cuda:12.4.1-devel-ubuntu22.04'],
    ['dockerfile', 'FROM --platform=linux/amd64 nvidia/cuda'],
    ['yaml', '      - uses: actions/checkout@v4'],
    ['yaml', '      - uses: "actions/setup-node@v4"'],
    ['python', 'path = "src/models"'],
    ['python', 'import torch.nn  # see torch/nn'],
    ['json', '{ "devDependencies": { "@types/node": "^20" } }'],
    ['python', 'headers = {"Content-Type": "application/json"}'],
    ['shellscript', 'git clone https://github.com/vllm-project/vllm'],
    ['markdown', 'Code at github.com/huggingface/transformers.'],
    ['cpp', '#include <sys/types.h>'],
    ['objective-c', '#import <Foundation/Foundation>'],
    ['markdown', 'Released 2024/05, at 1/2 the cost, 60 km/h, and/or TCP/IP, 20 tokens/s.'],
    // Names that end in `-` or `.` are not ids (validate_repo_id), nor is the part before the `-`.
    ['python', 'model_id = "org/name-"'],
    ['python', 'model_id = "org/name."'],
    ['python', 'model_id = "org/a--b"'],
    ['python', 'model_id = "org/a..b"'],
    ['python', 'model_id = "-org/name"'],
    // 97 characters: 3 + 1 + 93 ... one over the limit of 96.
    ['python', `model_id = "abc/${'x'.repeat(93)}"`],
  ];
  for (const [languageId, text] of none) {
    it(text, () => assert.deepEqual(ids(text, { languageId }), []));
  }
  it('96 characters is still an id', () => {
    // 2 + 1 + 93 = 96.
    assert.deepEqual(ids(`model_id = "ab/${'x'.repeat(93)}"`, { languageId: 'python' }), [`ab/${'x'.repeat(93)} strong`]);
  });
  it('a real org named like a folder still resolves where the context is strong', () => {
    assert.deepEqual(ids('vllm serve models/llama-3', { languageId: 'shellscript' }), ['models/llama-3 strong']);
  });
  it('a port or a path after the colon is no quant tag', () => {
    assert.deepEqual(ids('--model org/name:8080/x', { languageId: 'shellscript' }), []);
  });
});
