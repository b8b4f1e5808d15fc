/**
 * `kv-lens check-log` on the real start-up excerpts in test/fixtures/engine-logs (copied byte for byte, with
 * their provenance in SOURCES.tsv): every figure each log states is predicted within the log's rounding from the
 * model's config (test/fixtures/configs) and the settings the log printed, or the test names why it is not
 * predicted. The expected figures are the engines' rules worked by hand in the comments; the run goes through
 * the CLI entry (in process, with captured streams) so --json's exact shape, exit codes and escaping are covered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { checkStartUp, modelFromHparams, readLogText } from '../../src/core/logs';
import { runCheckLogCli } from '../../src/cli/checkLog';
import { readLogFile } from '../../src/io/readLog';
import type { CliOutput } from '../../src/cli/output';
import { CONFIGS } from '../fixtures/paths';

const LOGS = join(__dirname, '..', 'fixtures', 'engine-logs');
const log = (name: string) => join(LOGS, name);
const config = (name: string) => join(CONFIGS, name);
const model = (name: string) => analyzeText(readFileSync(config(name), 'utf8')).model!;

/** Runs the command with captured output; no Hub access (offline, an empty cache). */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliOutput = { out: (s) => (out += s), err: (s) => (err += s), closed: false };
  const saved = { off: process.env.HF_HUB_OFFLINE, home: process.env.HF_HOME, cache: process.env.HF_HUB_CACHE };
  process.env.HF_HUB_OFFLINE = '1';
  const home = mkdtempSync(join(tmpdir(), 'kvlens-hf-'));
  process.env.HF_HOME = home;
  process.env.HF_HUB_CACHE = join(home, 'hub');
  try {
    const code = await runCheckLogCli(args, io);
    return { code, out, err };
  } finally {
    for (const [k, v] of [['HF_HUB_OFFLINE', saved.off], ['HF_HOME', saved.home], ['HF_HUB_CACHE', saved.cache]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(home, { recursive: true, force: true });
  }
}

type Figure = { name: string; logged: number; predicted: number | null; unit: string; match: boolean | null };
async function figures(logName: string, configName?: string, extra: string[] = []): Promise<{ code: number; json: { engine: string; version: string | null; model: string | null; settings: Record<string, unknown>; figures: Figure[] } }> {
  const r = await cli([log(logName), ...(configName ? ['--config', config(configName)] : []), '--json', ...extra]);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, r.out + r.err);
  return { code: r.code, json: JSON.parse(lines[0]!) };
}
const fig = (fs: Figure[], name: string) => {
  const f = fs.find((x) => x.name === name);
  assert.ok(f, `figure ${name}`);
  return f;
};

describe('check-log on the shared excerpts', () => {
  it('01 llama.cpp gpt-oss-20b: base 3072 MiB / 131072 cells, SWA 18 MiB / 768 cells', async () => {
    const { code, json } = await figures('01_llamacpp_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json');
    assert.equal(code, 0);
    assert.equal(json.engine, 'llama.cpp');
    // 12 x 131072 x 512 x 2 x 2 B = 3072 MiB; SWA pad256(min(131072, 128 + 512)) = 768 cells -> 18 MiB.
    assert.equal(fig(json.figures, 'kv.size').predicted, (12 * 131072 * 1024 * 2) / 2 ** 20);
    assert.equal(fig(json.figures, 'swa.cells').predicted, 768);
    assert.equal(fig(json.figures, 'swa.size').predicted, (12 * 768 * 1024 * 2) / 2 ** 20);
    assert.ok(json.figures.length === 10 && json.figures.every((f) => f.match === true));
  });

  it('32 llama.cpp Qwen3.5-9B: q8_0 KV 1088 MiB, recurrent 201 MiB = R 9 + S 192 (f32, 4 cells)', async () => {
    const { code, json } = await figures('32_llamacpp_Qwen3.5-9B.txt', 'qwen3_5__Qwen3.5-9B.json');
    assert.equal(code, 0);
    // 8 x 65536 x 2048 x 34/32 B = 1088 MiB; R = 24 x 4 x 3 x (4096 + 2 x 16 x 128) x 4 B = 9 MiB; S = 24 x 4 x 32 x 128 x 128 x 4 B = 192 MiB.
    assert.equal(fig(json.figures, 'kv.size').predicted, (8 * 65536 * 2048 * 34) / 32 / 2 ** 20);
    assert.equal(fig(json.figures, 'recurrent.R').predicted, (24 * 4 * 3 * 8192 * 4) / 2 ** 20);
    assert.equal(fig(json.figures, 'recurrent.S').predicted, (24 * 4 * 32 * 128 * 128 * 4) / 2 ** 20);
    assert.ok(json.figures.every((f) => f.match === true), JSON.stringify(json.figures));
    assert.equal(json.settings.kv_unified, true);
    assert.equal(json.settings.type_k, 'q8_0');
  });

  it('42 llama.cpp Qwen2.5-Coder-7B (Qwen2.5-7B attention shape): 1792 MiB', async () => {
    const { code, json } = await figures('42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt', 'qwen2__Qwen2.5-7B-Instruct.json');
    assert.equal(code, 0);
    assert.equal(fig(json.figures, 'kv.size').predicted, (28 * 32768 * 1024 * 2) / 2 ** 20);
    assert.ok(json.figures.every((f) => f.match === true));
  });

  it('46 ik_llama.cpp DeepSeek-V3 with MLA off: K 1464 + V 976 MiB', async () => {
    const { code, json } = await figures('46_ik-llamacpp_DeepSeek-V3-0324-noMLA.txt', 'deepseek_v3__DeepSeek-V3.json');
    assert.equal(code, 0);
    assert.equal(json.engine, 'ik_llama.cpp');
    // mla_attn = 0: 61 x 512 x 128 x 192 x 2 B = 1464 MiB K; 61 x 512 x 128 x 128 x 2 B = 976 MiB V.
    assert.equal(fig(json.figures, 'kv.K').predicted, (61 * 512 * 128 * 192 * 2) / 2 ** 20);
    assert.equal(fig(json.figures, 'kv.V').predicted, (61 * 512 * 128 * 128 * 2) / 2 ** 20);
    assert.ok(json.figures.every((f) => f.match === true));
  });

  it('09 vLLM gpt-oss-20b: two cache groups; tokens and concurrency from the logged 54.82 GiB', async () => {
    const { code, json } = await figures('09_vllm_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json');
    assert.equal(code, 0);
    // blocks = floor(54.82 GiB / 32 KiB / 12) = 149,695; tokens = 149695 // 2 x 16 = 1,197,552;
    // concurrency = 149695 / (128 + 129) = 582.47.
    const blocks = Math.floor(Math.floor((54.82 * 2 ** 30) / 32768) / 12);
    assert.equal(fig(json.figures, 'gpu_kv_cache_tokens').predicted, Math.floor(blocks / 2) * 16);
    assert.equal(fig(json.figures, 'max_concurrency').predicted, blocks / 257);
    assert.equal(fig(json.figures, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(json.figures, 'max_concurrency').match, true);
    // The available memory is what vLLM measured: an input, not predicted.
    assert.equal(fig(json.figures, 'available_kv_memory').predicted, null);
    assert.equal(json.settings.cache_groups, 2);
    assert.equal(json.version, '0.11.0');
  });

  it('35 vLLM Qwen2.5-7B (ROCm, --dtype float16): 782,800 tokens lies in what 41.81 GiB (±0.005) allows', async () => {
    const { code, json } = await figures('35_vllm_Qwen2.5-7B-Instruct-ROCm.txt', 'qwen2__Qwen2.5-7B-Instruct.json');
    assert.equal(code, 0);
    // 28 x 16 x 512 x 2 x 2 B = 917,504 B per block: 41.805 GiB -> 48,923 blocks, 41.815 GiB -> 48,935 blocks;
    // 782,800 / 16 = 48,925 lies inside; 48925 / cdiv(4096, 16) = 191.11.
    const t = fig(json.figures, 'gpu_kv_cache_tokens');
    assert.equal(t.match, true);
    assert.ok(Math.floor((41.805 * 2 ** 30) / 917504) * 16 <= t.logged && t.logged <= Math.floor((41.815 * 2 ** 30) / 917504) * 16);
    assert.equal(fig(json.figures, 'max_concurrency').match, true);
    assert.equal(json.settings.kv_cache_dtype_resolved, 'fp16');
    // The api key vLLM echoes is never carried into the output.
    assert.equal(json.settings.api_key, '(redacted)');
  });

  it('12 vLLM Qwen3-Next at TP 4 (Thinking twin config): block size 272 and 1.49% padding', async () => {
    const { code, json } = await figures('12_vllm_Qwen3-Next-80B-A3B-Instruct.txt', 'qwen3_next__Qwen3-Next-80B-A3B-Thinking.json');
    assert.equal(code, 0);
    // 16 x cdiv(274432, 16 x 1024) = 272; (272 x 1024 - 274432) / 274432 = 1.49%.
    assert.equal(fig(json.figures, 'attention_block_size').predicted, 272);
    assert.equal(fig(json.figures, 'mamba_page_padding').match, true);
  });

  it('21 SGLang gpt-oss-20b: K and V 32.06 GB at 1,400,887 tokens (every layer full length)', async () => {
    const { code, json } = await figures('21_sglang_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json');
    assert.equal(code, 0);
    // (1400887 + 1) x 24 x 8 x 64 x 2 B / 2^30 = 32.06.
    assert.equal(fig(json.figures, 'k_size').predicted, (1400888 * 24 * 8 * 64 * 2) / 2 ** 30);
    assert.equal(fig(json.figures, 'k_size').match, true);
    // The log does not print disable_hybrid_swa_memory: the K size tells it was on.
    assert.equal(json.settings.disable_hybrid_swa_memory, true);
    // The token pool is sized from memory SGLang measured: an input, not predicted.
    assert.equal(fig(json.figures, 'max_total_num_tokens').predicted, null);
  });

  it('with hybrid SWA memory forced on, the K size no longer matches and the run fails', async () => {
    const { code, json } = await figures('21_sglang_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json', ['--set', 'disable_hybrid_swa_memory=false']);
    assert.equal(code, 1);
    assert.equal(fig(json.figures, 'k_size').match, false);
  });

  it('--json has exactly the documented keys', async () => {
    const { json } = await figures('09_vllm_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json');
    assert.deepEqual(Object.keys(json), ['engine', 'version', 'model', 'settings', 'figures']);
    for (const f of json.figures) assert.deepEqual(Object.keys(f), ['name', 'logged', 'predicted', 'unit', 'match']);
  });
});

describe('check-log without a config', () => {
  it('llama.cpp logs: the model is built from the printed hparams, and said so', async () => {
    for (const name of ['01_llamacpp_gpt-oss-20b.txt', '32_llamacpp_Qwen3.5-9B.txt', '42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt', '46_ik-llamacpp_DeepSeek-V3-0324-noMLA.txt']) {
      const r = await cli([log(name)]);
      assert.equal(r.code, 0, name + r.out + r.err);
      assert.match(r.out, /model read from: the hparams printed in the log/);
      assert.doesNotMatch(r.out, /\bNO\b/);
    }
  });

  it('a vLLM log naming a Hub id that cannot be found asks for --config, still showing what it read', async () => {
    const r = await cli([log('35_vllm_Qwen2.5-7B-Instruct-ROCm.txt')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /give its config with --config/);
    assert.match(r.out, /gpu_kv_cache_tokens\s+782,800/);
  });

  it('--model with a local config file works as --config', async () => {
    const r = await cli([log('09_vllm_gpt-oss-20b.txt'), '--model', config('gpt_oss__gpt-oss-20b.json')]);
    assert.equal(r.code, 0, r.err);
  });
});

describe('check-log on bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvlens-logs-'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('an unknown engine: says so and shows what it read', async () => {
    const r = await cli([write('other.log', 'hello\nINFO Model loading took 3.5 GiB\nsomething = 3\n')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /no start-up of an engine KV Lens knows/);
    assert.match(r.err, /in 3 lines; read: model_loading_gib=3.5/);
  });

  it('a missing file and a folder are named, exit 1; no log is usage, exit 2', async () => {
    assert.equal((await cli([join(dir, 'nope.log')])).code, 1);
    assert.match((await cli([dir])).err, /folder/);
    assert.equal((await cli([])).code, 2);
    assert.equal((await cli(['a', 'b'])).code, 2);
  });

  it('hostile strings from the log are escaped in the table', async () => {
    const text = readFileSync(log('42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt'), 'utf8')
      .replace("'/home/k/models/qwen2.5-coder-7b-instruct-q8_0.gguf'", "'/x/\u001b]0;pwned\u0007\u001b[31mred\u202e.gguf'");
    const r = await cli([write('hostile.log', text), '--config', config('qwen2__Qwen2.5-7B-Instruct.json')]);
    assert.equal(r.code, 0, r.err);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.out, /[\u001b\u0007\u202e]/);
    assert.match(r.out, /\\x1b|\\u001b|\\u202e/);
  });

  it('a truncated log: the figures before the cut are still checked', async () => {
    const text = readFileSync(log('01_llamacpp_gpt-oss-20b.txt'), 'utf8');
    const cut = text.slice(0, text.indexOf('llama_kv_cache_iswa: creating     SWA') + 20);
    const r = await cli([write('cut.log', cut), '--config', config('gpt_oss__gpt-oss-20b.json'), '--json']);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.out) as { figures: Figure[] };
    assert.deepEqual(json.figures.map((f) => f.name), ['kv.size', 'kv.cells', 'kv.layers', 'kv.K', 'kv.V']);
  });

  it('a huge log is streamed and read only to the end of its start-up section', async () => {
    // The start-up, then 120,000 request lines (about 9 MB) and a 100,000-character line: the reader stops
    // 20,000 lines after the start-up's figures.
    const p = join(dir, 'big.log');
    const start = readFileSync(log('42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt'), 'utf8');
    const filler = 'srv  log_server_r: request: POST /completion 127.0.0.1 200 tokens=123 t=4.5ms\n'.repeat(120000);
    writeFileSync(p, start + 'x'.repeat(100000) + '\n' + filler);
    const reading = readLogFile(p);
    assert.ok(!('error' in reading));
    assert.equal(reading.startUps.length, 1);
    assert.match(reading.stoppedEarly ?? '', /start-up section was over/);
    assert.ok(reading.lines < 30000, `read ${reading.lines} lines`);
    assert.equal(reading.longLines, 1);
  });
});

describe('log reading', () => {
  it('ANSI codes, worker prefixes and several start-ups in one file are each handled', () => {
    const vllm = readFileSync(log('09_vllm_gpt-oss-20b.txt'), 'utf8').split('\n').slice(6);
    const coloured = vllm.map((l) => l.replace(/^\((\w+) pid=(\d+)\) INFO/, '\u001b[1;36m($1 pid=$2)\u001b[0;0m \u001b[32mINFO\u001b[0m'));
    const llama = readFileSync(log('42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt'), 'utf8');
    const reading = readLogText([...coloured, llama, ...coloured].join('\n'));
    assert.deepEqual(reading.startUps.map((s) => s.engine), ['vllm', 'llama.cpp', 'vllm']);
    assert.equal(reading.startUps[0]!.figures.find((f) => f.name === 'gpu_kv_cache_tokens')?.value, 1197552);
    assert.equal(reading.startUps[2]!.figures.find((f) => f.name === 'max_concurrency')?.value, 582.47);
    // Each start-up checks on its own.
    const c = checkStartUp(reading.startUps[2]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.ok(c.figures.filter((f) => f.predicted !== null).every((f) => f.match));
  });

  it('interleaved worker lines keep their figures with the start-up', () => {
    const text = [
      '(APIServer pid=1) INFO 01-01 00:00:00 [api_server.py:1] vLLM API server version 0.11.2',
      "(APIServer pid=1) INFO 01-01 00:00:00 [utils.py:1] non-default args: {'model': 'Qwen/Qwen3-Next-80B-A3B-Instruct', 'tensor_parallel_size': 4, 'max_model_len': 4096}",
      '(Worker_TP1 pid=3) INFO 01-01 00:00:01 [gpu_model_runner.py:1] Model loading took 37.2 GiB memory',
      '(Worker_TP0 pid=2) INFO 01-01 00:00:01 [config.py:432] Setting attention block size to 272 tokens to ensure that attention page size is >= mamba page size.',
      '(Worker_TP3 pid=5) INFO 01-01 00:00:01 [gpu_model_runner.py:1] Model loading took 37.2 GiB memory',
      '(Worker_TP2 pid=4) INFO 01-01 00:00:02 [config.py:456] Padding mamba page size by 1.49% to ensure that mamba page size and attention page size are exactly equal.',
    ].join('\n');
    const r = readLogText(text);
    assert.equal(r.startUps.length, 1);
    assert.equal(r.startUps[0]!.settings.tensor_parallel_size, 4);
    const c = checkStartUp(r.startUps[0]!, model('qwen3_next__Qwen3-Next-80B-A3B-Thinking.json'));
    assert.deepEqual(c.figures.map((f) => [f.name, f.match]), [['attention_block_size', true], ['mamba_page_padding', true]]);
  });

  it('a model from hparams alone matches the config-based prediction for every llama.cpp excerpt', () => {
    for (const [name, cfg] of [['01_llamacpp_gpt-oss-20b.txt', 'gpt_oss__gpt-oss-20b.json'], ['32_llamacpp_Qwen3.5-9B.txt', 'qwen3_5__Qwen3.5-9B.json'], ['42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt', 'qwen2__Qwen2.5-7B-Instruct.json']] as const) {
      const su = readLogText(readFileSync(log(name), 'utf8')).startUps[0]!;
      const fromLog = checkStartUp(su, modelFromHparams(su).model!).figures.map((f) => f.predicted);
      const fromConfig = checkStartUp(su, model(cfg)).figures.map((f) => f.predicted);
      assert.deepEqual(fromLog, fromConfig, name);
    }
  });
});

describe('other engines and versions (lines shaped as each engine prints them)', () => {
  const llama3 = () => model('llama__Meta-Llama-3-8B-Instruct.json');

  it('vLLM V0: blocks from "the rest of the memory reserved for KV Cache", every layer full length', () => {
    // Llama-3-8B: 32 layers x 8 heads x (128 + 128) x 2 B = 131,072 B per token; a block of 16 = 2 MiB;
    // 10.00 GiB -> 5120 blocks; concurrency 5120 x 16 / 8192 = 10.00.
    const r = readLogText([
      "INFO 02-01 10:00:00 llm_engine.py:232] Initializing a V0 LLM engine (v0.7.3) with config: model='meta-llama/Meta-Llama-3-8B-Instruct', dtype=torch.bfloat16, max_seq_len=8192, tensor_parallel_size=1",
      'INFO 02-01 10:00:30 [worker.py:267] model weights take 14.99GiB; non_torch_memory takes 0.09GiB; PyTorch activation peak memory takes 1.43GiB; the rest of the memory reserved for KV Cache is 10.00GiB.',
      'INFO 02-01 10:00:30 [executor_base.py:111] # cuda blocks: 5120, # CPU blocks: 2048',
      'INFO 02-01 10:00:30 [executor_base.py:116] Maximum concurrency for 8192 tokens per request: 10.00x',
    ].join('\n'));
    const su = r.startUps[0]!;
    assert.equal(su.version, '0.7.3');
    const c = checkStartUp(su, llama3());
    assert.equal(c.figures.find((f) => f.name === 'gpu_blocks')?.predicted, Math.floor((10 * 2 ** 30) / (16 * 131072)));
    assert.equal(c.figures.find((f) => f.name === 'max_concurrency')?.predicted, (5120 * 16) / 8192);
    assert.ok(c.figures.filter((f) => f.predicted !== null).every((f) => f.match), JSON.stringify(c.figures));
  });

  it('SGLang MLA pool: "KV size" of the latent buffers', () => {
    // DeepSeek-V3: (100000 + 1) x 61 layers x (512 + 64) x 2 B / 2^30.
    const gb = ((100001 * 61 * 576 * 2) / 2 ** 30).toFixed(2);
    const r = readLogText(`[2025-06-01 10:00:00 TP0] KV Cache is allocated. #tokens: 100000, KV size: ${gb} GB`);
    const c = checkStartUp(r.startUps[0]!, model('deepseek_v3__DeepSeek-V3.json'));
    assert.equal(c.engine, 'sglang');
    const f = c.figures.find((x) => x.name === 'kv_size')!;
    assert.equal(f.predicted, (100001 * 61 * 576 * 2) / 2 ** 30);
    assert.equal(f.match, true);
  });

  it('TensorRT-LLM: the paged pool in GiB and blocks from its token count', () => {
    // Qwen2.5-7B: 28 x 4 x (128 + 128) x 2 B = 57,344 B per token; 262,144 tokens = 14.00 GiB = 8192 blocks of 32.
    const r = readLogText([
      '[TensorRT-LLM][INFO] TensorRT-LLM version: 0.20.0',
      '[TensorRT-LLM][INFO] Number of tokens per block: 32.',
      '[TensorRT-LLM][INFO] [MemUsageChange] Allocated 14.00 GiB for max tokens in paged KV cache (262144).',
      '[TensorRT-LLM][INFO] Number of blocks in KV cache primary pool: 8192',
    ].join('\n'));
    const su = r.startUps[0]!;
    assert.equal(su.engine, 'trtllm');
    assert.equal(su.version, '0.20.0');
    const c = checkStartUp(su, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(c.figures.find((f) => f.name === 'trt_kv_cache')?.predicted, (262144 * 57344) / 2 ** 30);
    assert.equal(c.figures.find((f) => f.name === 'trt_primary_blocks')?.predicted, 262144 / 32);
    assert.ok(c.figures.filter((f) => f.predicted !== null).every((f) => f.match));
  });

  it('an old llama.cpp build (llm_load_print_meta, "KV self size", no kv_unified): one shared cache', () => {
    // Llama-3-8B at n_ctx 8192, 4 sequences sharing one cache: 32 x 8192 x 1024 x 2 x 2 B = 1024 MiB.
    const r = readLogText([
      'llm_load_print_meta: n_layer          = 32',
      'llm_load_print_meta: n_head_kv        = 8',
      'llm_load_print_meta: n_embd_head_k    = 128',
      'llama_new_context_with_model: n_ctx      = 8192',
      'llama_new_context_with_model: n_seq_max  = 4',
      'llama_kv_cache_init:      CUDA0 KV buffer size =  1024.00 MiB',
      'llama_new_context_with_model: KV self size  = 1024.00 MiB, K (f16):  512.00 MiB, V (f16):  512.00 MiB',
    ].join('\n'));
    const su = r.startUps[0]!;
    assert.equal(su.engine, 'llama.cpp');
    const c = checkStartUp(su, llama3());
    assert.deepEqual(c.figures.map((f) => [f.name, f.predicted, f.match]), [['kv.size', 1024, true], ['kv.K', 512, true], ['kv.V', 512, true]]);
  });
});

describe('settings the log leaves out', () => {
  it('vLLM: an unprinted max_num_batched_tokens is inferred from the logged concurrency (sliding groups)', () => {
    // gpt-oss-20b at max_model_len 32768, 50.00 GiB: blocks = floor(50 GiB / 32768 / 12) = 136,533;
    // per request with 8192: full cdiv(32768, 16) = 2048 + sliding cdiv(min(127 + 8192, 32768), 16) + 1 = 521;
    // 136533 / 2569 = 53.15x (with 2048 it would be 136533 / (2048 + 137) = 62.49x).
    const blocks = Math.floor(Math.floor((50 * 2 ** 30) / 32768) / 12);
    const lines = [
      '(APIServer pid=1) INFO 01-01 00:00:00 [api_server.py:1] vLLM API server version 0.11.0',
      "(APIServer pid=1) INFO 01-01 00:00:00 [utils.py:1] non-default args: {'model': 'openai/gpt-oss-20b', 'max_model_len': 32768}",
      '(EngineCore_DP0 pid=2) INFO 01-01 00:00:10 [gpu_worker.py:298] Available KV cache memory: 50.00 GiB',
      `(EngineCore_DP0 pid=2) INFO 01-01 00:00:10 [kv_cache_utils.py:1087] GPU KV cache size: ${(Math.floor(blocks / 2) * 16).toLocaleString('en-US')} tokens`,
      `(EngineCore_DP0 pid=2) INFO 01-01 00:00:10 [kv_cache_utils.py:1091] Maximum concurrency for 32,768 tokens per request: ${(blocks / 2569).toFixed(2)}x`,
    ];
    const c = checkStartUp(readLogText(lines.join('\n')).startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(c.settings.max_num_batched_tokens, 8192);
    assert.match(c.notes.join(' '), /8192 \(a vLLM default\)/);
    assert.ok(c.figures.filter((f) => f.predicted !== null).every((f) => f.match), JSON.stringify(c.figures));
    // Printed, it is used as printed.
    const printed = checkStartUp(readLogText([...lines, 'INFO 01-01 00:00:00 [scheduler.py:1] Chunked prefill is enabled with max_num_batched_tokens=2048.'].join('\n')).startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(printed.settings.max_num_batched_tokens, 2048);
    assert.equal(printed.figures.find((f) => f.name === 'max_concurrency')?.match, false);
  });

  it('ik_llama.cpp with MLA: the c^KV latent cache', () => {
    // DeepSeek-V3 at n_ctx 4096, MLA: 61 x 4096 x (512 + 64) x 2 B = 274.5 MiB, no V.
    const r = readLogText([
      'llama_new_context_with_model: n_ctx      = 4096',
      'llama_new_context_with_model: mla_attn   = 3',
      'llama_kv_cache_init:      CUDA0 KV buffer size =   274.50 MiB',
      'llama_new_context_with_model: KV self size  =  274.50 MiB, c^KV (f16):  274.50 MiB, kv^T: not used',
    ].join('\n'));
    const su = r.startUps[0]!;
    assert.equal(su.engine, 'ik_llama.cpp');
    const c = checkStartUp(su, model('deepseek_v3__DeepSeek-V3.json'));
    assert.equal(c.figures.find((f) => f.name === 'kv.size')?.predicted, (61 * 4096 * 576 * 2) / 2 ** 20);
    assert.ok(c.figures.every((f) => f.match), JSON.stringify(c.figures));
  });

  it('SGLang hybrid SWA memory: the SWA pool is 0.8 of the full one', () => {
    const r = readLogText('[2025-11-10 22:36:04 TP0] Use Sliding window memory pool. full_layer_tokens=1000000, swa_layer_tokens=800000');
    const c = checkStartUp(r.startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(c.figures.find((f) => f.name === 'sglang_swa_tokens')?.predicted, 800000);
    assert.equal(c.figures.find((f) => f.name === 'sglang_swa_tokens')?.match, true);
  });
});
