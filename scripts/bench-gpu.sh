#!/usr/bin/env bash
# GPU decode benchmark (issue 14): the WebGPU EP through Dawn on the NVIDIA Vulkan driver, MHA / GQA-8 /
# MQA of a Llama-3-8B-shaped layer, L = 8k..128k, batch 1 and 8, fp16 and fp32, each result as a
# fraction of the GPU's published HBM peak (H200: 4.8 TB/s), JSON to --out (default bench-gpu.json).
# Run from a built checkout (node_modules installed, `npm run build` done) on a machine with an NVIDIA
# GPU; no network is used. The driver logic is src/bench/gpuBench.ts; flags: --help.
#
# Vulkan loader: when `ldconfig -p` lists no libvulkan.so.1, the Debian packages in .gl/ (libvulkan1
# and the GL/EGL set, downloaded beforehand on a machine with apt; see README "GPU benchmark") are
# unpacked over / (needs root) and ldconfig is run. The NVIDIA ICD is chosen explicitly
# (VK_DRIVER_FILES) so the loader cannot fall back to a software driver; the adapter the loader
# actually opened is checked by name and SwiftShader / llvmpipe is refused unless --allow-swiftshader
# (a dry run of the mechanics, e.g. `scripts/bench-gpu.sh --allow-swiftshader --contexts 256 --batches 1
# --rounds 2 --warmup 1`, never a GPU figure).
set -euo pipefail
cd "$(dirname "$0")/.."

allow_software=0
for arg in "$@"; do [ "$arg" = "--allow-swiftshader" ] && allow_software=1; done

if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if compgen -G '.gl/*.deb' >/dev/null; then
    echo "bench-gpu: no Vulkan loader installed: unpacking .gl/*.deb over /" >&2
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    echo "bench-gpu: no Vulkan loader (libvulkan.so.1) and no .gl/*.deb to unpack; see README 'GPU benchmark'" >&2
    exit 1
  fi
fi

if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
  done
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ "$allow_software" = 1 ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
    export VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json
  fi
fi
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  echo "bench-gpu: no NVIDIA Vulkan ICD (nvidia_icd.json) found; set VK_DRIVER_FILES to it" >&2
  exit 1
fi
echo "bench-gpu: Vulkan ICD ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true

if [ ! -x node_modules/.bin/tsx ]; then
  echo "bench-gpu: node_modules/.bin/tsx missing: run from a checkout with its dependencies installed" >&2
  exit 1
fi
exec node --import tsx src/bench/gpuBench.ts "$@"
