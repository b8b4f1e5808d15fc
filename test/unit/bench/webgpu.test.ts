/**
 * The WebGPU EP on whatever adapter this machine has (SwiftShader in CI). Unavailable: skipped with
 * the reason, unless KV_LENS_REQUIRE_WEBGPU=1, where it fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sourceClient, SWIFTSHADER_ICD, tinyRequest } from './helpers';

const required = process.env.KV_LENS_REQUIRE_WEBGPU === '1';
// Use SwiftShader when nothing else was chosen and it is installed: CI has no GPU.
const env = { ...process.env };
if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

test('WebGPU: tiny decode and prefill match the CPU reference; no silent CPU fallback', async (t) => {
  const client = sourceClient(env);
  try {
    const probe = await client.probe('webgpu');
    if (!probe.available) {
      const why = `WebGPU unavailable: ${probe.reason} (${probe.remedy})`;
      if (required) assert.fail(`KV_LENS_REQUIRE_WEBGPU=1 but ${why}`);
      console.log(`# skipped: ${why}`);
      t.skip(why);
      return;
    }
    for (const phase of ['decode', 'prefill'] as const) {
      const report = await client.run(tinyRequest({ ep: 'webgpu', phase, contexts: [40], rounds: 2, warmup: 1 }));
      assert.equal(report.provenance.ep, 'webgpu');
      assert.ok(report.provenance.backend?.startsWith('Dawn'));
      const paths = new Set(report.results.map((r) => r.path));
      // The matmul forms run on every WebGPU adapter; whatever did not run says why.
      assert.ok(paths.has('plain') && paths.has('grouped'), `ran: ${[...paths].join(',')}`);
      for (const r of report.results) assert.ok(r.maxAbsDiff <= r.tolerance, `${r.path} ${r.variant.label}: ${r.maxAbsDiff}`);
      for (const s of report.skipped) assert.ok(s.reason.length > 0);
      assert.equal(report.results.length + report.skipped.length, 3 * 4);
    }
  } finally {
    client.dispose();
  }
});
