/**
 * The CLI as users run it, for the CLI-level suites: a bundle built fresh from src/ into a temporary folder (so
 * a stale dist/ cannot hide a regression), run in a child process. KV_LENS_TEST_CLI names another bundle to run
 * instead (an older build, to see the tests fail).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from '../fixtures/paths';

/** Builds the CLI bundle into `dir` (unless KV_LENS_TEST_CLI names one) and returns its path. */
export async function buildCli(dir: string): Promise<string> {
  if (process.env.KV_LENS_TEST_CLI) return process.env.KV_LENS_TEST_CLI;
  const cli = join(dir, 'cli.js');
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'src', 'cli', 'main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode', 'onnxruntime-node'], mainFields: ['module', 'main'], outfile: cli, logLevel: 'warning', absWorkingDir: REPO_ROOT,
  });
  chmodSync(cli, 0o644);
  return cli;
}

/** One CLI run: exit code, output, and whether it had to be killed. */
export function runCli(cli: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, ...options });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut: r.error !== undefined || r.signal === 'SIGTERM' };
}

/** The JSON lines of `analyze --json`. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
