// One build for every bundle: the extension host (node/cjs), the benchmark worker (node/cjs, forked),
// the analysis worker (node/cjs, a worker thread),
// the CLI (node/cjs with a shebang) and the webview (browser/iife). `vscode` and `onnxruntime-node`
// stay external: the first is provided by the editor, the second carries native binaries.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'onnxruntime-node'],
  // jsonc-parser's UMD build requires its parts dynamically, which a bundle cannot follow: take its ES module.
  mainFields: ['module', 'main'],
};

const builds = [
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { worker: 'src/bench/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { analysisWorker: 'src/analysis/worker.ts' }, outdir: 'dist' },
  // The conversion worker (a whole conversion for the editor, or the functional fidelity check through onnxruntime, started by src/convert/client.ts).
  { ...node, entryPoints: { convertWorker: 'src/convert/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { ggufWorker: 'src/extension/gguf/worker.ts' }, outdir: 'dist' },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist/webview' },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
