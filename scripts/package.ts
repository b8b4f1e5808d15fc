/**
 * `npm run package`: production bundles, then one platform-specific VSIX per target, each carrying only
 * its own onnxruntime-node binaries (node_modules/onnxruntime-node/bin/napi-v6/<platform>/<arch>).
 *
 * .vscodeignore is the allow-list shared by every target; for each target this script writes a copy
 * with that one binary folder added and hands it to `vsce package --target <t> --ignoreFile <copy>`.
 * Each VSIX is then opened and checked: the target's binaries present, no other platform's, no source
 * maps, sources or tests. Sizes are printed.
 *
 * Usage: npm run package [-- --target linux-x64 [--target ...]] [--no-build]
 * Output: out/vsix/kv-lens-<target>-<version>.vsix
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, secondsSince } from './lib/util';
import { zipFileNames, zipFileText } from './lib/zip';

/** VS Code targets and the onnxruntime-node binary folder each needs. onnxruntime-node 1.30 ships no darwin-x64 build. */
export const TARGETS: Record<string, string> = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

export const VSIX_DIR = join(ROOT, 'out', 'vsix');
const NAPI = 'node_modules/onnxruntime-node/bin/napi-v6';

/** The VSIX path for a target. */
export function vsixPath(target: string): string {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return join(VSIX_DIR, `kv-lens-${target}-${version}.vsix`);
}

/** Builds the production bundles and packages the given targets; returns the VSIX paths. */
export async function packageTargets(targets: string[], options: { build?: boolean } = {}): Promise<string[]> {
  for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);
  if (options.build !== false) {
    // Production bundles: minified, no source maps. dist/ is not emptied first (others may be using it);
    // the allow-list names the bundles, so maps left by a development build stay out of the VSIX.
    run(process.execPath, ['esbuild.mjs', '--production']);
  }
  mkdirSync(VSIX_DIR, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { repository?: unknown };
  const allowList = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
  const written: string[] = [];
  for (const target of targets) {
    const started = Date.now();
    const binaries = `${NAPI}/${TARGETS[target]!}`;
    if (!existsSync(join(ROOT, binaries))) throw new Error(`${binaries} is missing: onnxruntime-node was installed without it`);
    const ignoreFile = join(VSIX_DIR, `.vscodeignore-${target}`);
    writeFileSync(ignoreFile, `${allowList}\n# ${target} only\n!${binaries}/**\n`);
    const out = vsixPath(target);
    rmSync(out, { force: true });
    const args = ['vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out];
    if (!existsSync(join(ROOT, 'LICENSE'))) args.push('--skip-license');
    // No public repository URL is recorded yet; vsce would otherwise stop to ask.
    if (!manifest.repository) args.push('--allow-missing-repository');
    run('npx', args);
    const files = await zipFileNames(out);
    checkContents(target, files);
    await checkProductionBundle(out);
    console.log(`package: ${target}: ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB, ${files.length} files, ${secondsSince(started)} s -> ${out}`);
    written.push(out);
  }
  return written;
}

/** The bundles every VSIX carries (esbuild.mjs builds them). */
const BUNDLES = ['dist/extension.js', 'dist/worker.js', 'dist/analysisWorker.js', 'dist/ggufWorker.js', 'dist/convertWorker.js', 'dist/webview/webview.js'];

/** Fails when a VSIX lacks what it needs or carries what it must not. */
function checkContents(target: string, files: string[]): void {
  const problems: string[] = [];
  // vsce stores CHANGELOG.md as changelog.md and LICENSE as LICENSE.txt.
  const inExtension = files.filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
  const needs = ['package.json', ...BUNDLES, 'media/icon.png', 'changelog.md', 'LICENSE.txt'];
  if (existsSync(join(ROOT, 'README.md'))) needs.push('readme.md');
  for (const needed of [...needs, 'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-common/dist/cjs/index.js', 'node_modules/onnxruntime-common/dist/cjs/package.json', `${NAPI}/${TARGETS[target]!}/onnxruntime_binding.node`]) {
    if (!inExtension.includes(needed)) problems.push(`missing ${needed}`);
  }
  for (const f of inExtension) {
    if (f.endsWith('.map')) problems.push(`source map ${f}`);
    if (/^(src|test|scripts|webview|bench|examples)\//.test(f) || f.endsWith('.ts')) problems.push(`source or test file ${f}`);
    if (f.startsWith(`${NAPI}/`) && !f.startsWith(`${NAPI}/${TARGETS[target]!}/`)) problems.push(`another platform's binary ${f}`);
  }
  if (problems.length) throw new Error(`${target} VSIX is wrong:\n  ${problems.join('\n  ')}`);
}

/** The packaged bundles are production builds: a development build (another `npm run build` racing this one) links source maps. */
async function checkProductionBundle(path: string): Promise<void> {
  for (const bundle of BUNDLES) {
    const text = (await zipFileText(path, `extension/${bundle}`)) ?? '';
    if (text.includes('//# sourceMappingURL=')) throw new Error(`${bundle} in ${path} is a development build (it links a source map): run npm run package again`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const targets = args.flatMap((a, i) => (args[i - 1] === '--target' ? [a] : []));
  const paths = await packageTargets(targets.length ? targets : Object.keys(TARGETS), { build: !args.includes('--no-build') });
  console.log('\nVSIX sizes:');
  for (const p of paths) console.log(`  ${(statSync(p).size / 2 ** 20).toFixed(1).padStart(6)} MiB  ${p.slice(ROOT.length + 1)}`);
  console.log(`package: done in ${secondsSince(started)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
