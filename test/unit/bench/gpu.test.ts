/**
 * The GPU script's checks that need no GPU: the loader's device line, the software-adapter refusal,
 * the peak table, the flags; and, where SwiftShader is installed, that the probe child really reads
 * the adapter the Vulkan loader opened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { detectAdapter, isSoftwareAdapter, parseGpuArgs, parseLoaderDevice, peakFor } from '../../../src/bench/gpuBench';
import { SWIFTSHADER_ICD } from './helpers';

// As the Vulkan loader (VK_LOADER_DEBUG=driver) printed it here for SwiftShader; the NVIDIA line is the same format.
const LOG = `INFO | DRIVER:               [0] SwiftShader Device (Subzero)
DRIVER:              <Device>
DRIVER:                  Using "SwiftShader Device (Subzero)" with driver: "/usr/lib/chromium/./libvk_swiftshader.so"
DRIVER:                  Using "NVIDIA H200" with driver: "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0"
`;

test('the adapter is the last device the loader created; software rasterisers are named as such', () => {
  assert.deepEqual(parseLoaderDevice(LOG), { device: 'NVIDIA H200', driver: '/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0' });
  assert.equal(parseLoaderDevice('DRIVER: Searching for driver manifest files'), undefined);
  assert.equal(isSoftwareAdapter('SwiftShader Device (Subzero)', 'libvk_swiftshader.so'), true);
  assert.equal(isSoftwareAdapter('llvmpipe (LLVM 15.0.6, 256 bits)', 'libvulkan_lvp.so'), true);
  assert.equal(isSoftwareAdapter('NVIDIA H200', 'libGLX_nvidia.so.0'), false);
});

test('published peaks by adapter name; unknown adapters have none', () => {
  assert.equal(peakFor('NVIDIA H200')?.bandwidthGBps, 4800);
  assert.equal(peakFor('NVIDIA H100 80GB HBM3')?.bandwidthGBps, 3350);
  assert.equal(peakFor('NVIDIA H100 PCIe')?.bandwidthGBps, 2000);
  assert.equal(peakFor('NVIDIA A100-SXM4-80GB')?.bandwidthGBps, 2000);
  assert.equal(peakFor('SwiftShader Device (Subzero)'), undefined);
});

test('flags: defaults are the issue sweep; values checked and named', () => {
  const d = parseGpuArgs([]);
  assert.deepEqual(d.contexts, [8192, 16384, 32768, 65536, 131072]);
  assert.deepEqual([d.batches, d.dtypes, d.variants, d.allowSoftware], [[1, 8], ['fp16', 'fp32'], [32, 8, 1], false]);
  const a = parseGpuArgs(['--contexts', '8k,128k', '--batches', '8', '--dtypes', 'fp16', '--peak-gbps', '4800', '--allow-swiftshader', '--out', 'x.json']);
  assert.deepEqual([a.contexts, a.batches, a.dtypes, a.peakGbps, a.allowSoftware, a.out], [[8192, 131072], [8], ['fp16'], 4800, true, 'x.json']);
  assert.throws(() => parseGpuArgs(['--dtypes', 'bf16']), /--dtypes: expected fp16 and\/or fp32, got "bf16"/);
  assert.throws(() => parseGpuArgs(['--variants', '3']), /3 does not divide 32/);
  assert.throws(() => parseGpuArgs(['--bogus', '1']), /unknown flag --bogus/);
  assert.throws(() => parseGpuArgs(['--out']), /--out needs a value/);
});

test('the probe child reports the adapter the loader opened (SwiftShader here)', { skip: !existsSync(SWIFTSHADER_ICD) && 'SwiftShader is not installed' }, async () => {
  const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, VK_DRIVER_FILES: SWIFTSHADER_ICD };
  const found = await detectAdapter(env);
  assert.ok(!('error' in found), JSON.stringify(found));
  assert.match(found.device, /SwiftShader/);
  assert.equal(isSoftwareAdapter(found.device, found.driver), true);
});
