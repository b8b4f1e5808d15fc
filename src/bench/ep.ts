/**
 * Execution-provider availability: each EP is tried on a tiny graph with CPU fallback refused, so
 * "available" means the provider itself ran a kernel here. Failures become reasons and remedies,
 * never exceptions.
 */
import * as ort from 'onnxruntime-node';
import type { EpAvailability, EpChoice, EpName } from '../shared/benchProtocol';
import { encodeModel, node, valueInfo } from './graphs/onnxBuilder';
import { sessionOptions } from './session';

const REMEDY: Record<EpName, string> = {
  cpu: 'none: the CPU EP is built into onnxruntime-node',
  webgpu:
    'a Vulkan (Linux), D3D12 (Windows) or Metal (macOS) GPU driver; on Linux the Vulkan loader (libvulkan1). ' +
    'Without a GPU, SwiftShader (Debian package chromium) can be selected with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for correctness tests.',
  cuda:
    'an NVIDIA GPU with CUDA 12 and cuDNN 9, then reinstall onnxruntime-node with network access and ' +
    '`--onnxruntime-node-install=cuda12` so its install script fetches the CUDA provider libraries.',
};

/** Which Vulkan driver Dawn will load, as far as the environment says. */
function vulkanDriver(): { adapter?: string; software: boolean } {
  const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '';
  if (/swiftshader/i.test(icd)) return { adapter: 'SwiftShader (software Vulkan on the CPU)', software: true };
  return { adapter: icd ? `Vulkan ICD ${icd}` : undefined, software: false };
}

function backendName(ep: EpName): string | undefined {
  if (ep === 'cuda') return 'CUDA';
  if (ep !== 'webgpu') return undefined;
  return process.platform === 'win32' ? 'Dawn / D3D12' : process.platform === 'darwin' ? 'Dawn / Metal' : 'Dawn / Vulkan';
}

/** Tries one EP on a 4-element Add; returns whether it ran, and why not. */
export async function probeEp(ep: EpName): Promise<EpAvailability> {
  const listed = ort.listSupportedBackends().find((b) => b.name === ep);
  if (!listed) return { ep, available: false, reason: `this onnxruntime-node build (${ort.env.versions.node}) has no ${ep} EP for ${process.platform}-${process.arch}`, remedy: REMEDY[ep] };
  const parts = { name: 'probe', nodes: [node('Add', ['a', 'a'], ['b'])], inputs: [valueInfo('a', 'fp32', [4])], outputs: [valueInfo('b', 'fp32', [4])] };
  try {
    const session = await ort.InferenceSession.create(encodeModel(parts).model, sessionOptions(ep, 1));
    try {
      const out = await session.run({ a: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [4]) });
      const data = out.b!.data as Float32Array;
      if (data[3] !== 8) throw new Error(`probe computed ${Array.from(data).join(',')} instead of 2,4,6,8`);
    } finally {
      await session.release();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.split('\n')[0]!.replace(/^.*?(Failed to get a WebGPU adapter)/, '$1').slice(0, 400);
    return { ep, available: false, reason, remedy: REMEDY[ep] };
  }
  if (ep === 'webgpu') return { ep, available: true, backend: backendName(ep), ...vulkanDriverIfLinux() };
  return { ep, available: true, backend: backendName(ep) };
}

function vulkanDriverIfLinux(): { adapter?: string; software?: boolean } {
  if (process.platform !== 'linux') return { adapter: 'default adapter (onnxruntime-node does not report its name)' };
  const d = vulkanDriver();
  return { adapter: d.adapter ?? 'default Vulkan adapter (onnxruntime-node does not report its name)', software: d.software };
}

/**
 * Resolves a choice to the EP that will run, with every probe made. `auto` prefers CUDA, then a
 * hardware WebGPU adapter, then the CPU: a software rasteriser is correct but slower than the CPU EP.
 */
export async function resolveEp(choice: EpChoice): Promise<{ ep?: EpName; probes: EpAvailability[] }> {
  if (choice !== 'auto') {
    const probe = await probeEp(choice);
    return { ep: probe.available ? choice : undefined, probes: [probe] };
  }
  const probes: EpAvailability[] = [];
  for (const ep of ['cuda', 'webgpu'] as const) {
    const probe = await probeEp(ep);
    probes.push(probe);
    if (probe.available && !probe.software) return { ep, probes };
    if (probe.available && probe.software) probe.reason = 'software adapter: not chosen by auto (ask for --ep webgpu to use it)';
  }
  probes.push({ ep: 'cpu', available: true });
  return { ep: 'cpu', probes };
}
