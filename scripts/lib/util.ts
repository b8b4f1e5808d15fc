/** Small helpers shared by the scripts: the repository root, condition waits, commands, timings. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** Test output (git-ignored): screenshots, reports, logs, profiles. */
export const TEST_OUTPUT = join(ROOT, '.test-output');

/** How long to wait for a condition, and what to call it in the timeout error. */
export interface WaitOptions {
  what: string;
  timeoutMs: number;
  /** Poll interval; conditions are cheap, so short. */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, and returns that. Throws
 * what `probe` throws, or a timeout error naming the condition. A condition wait, never a fixed sleep.
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Runs a command in the repository root, inheriting stdio; throws when it fails. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with ${String(result.status ?? result.signal)}`);
}

/** Seconds since `start`, one decimal. */
export function secondsSince(start: number): string {
  return ((Date.now() - start) / 1000).toFixed(1);
}
