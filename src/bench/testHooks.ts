/**
 * TEST-ONLY failure hooks of the benchmark worker. They let the tests reproduce, on demand and in
 * the middle of a run, the failures a real benchmark can meet: a native abort (as when onnxruntime
 * or V8 hits a fatal error) and a JavaScript heap out-of-memory.
 *
 * They are off unless the worker's environment has `KV_LENS_BENCH_TEST_HOOKS=1`; neither the
 * extension nor the CLI ever sets it, and a hook message reaching a worker without it is refused
 * with an `invalid` error (the worker carries on). Hooks are not part of the shared protocol
 * (src/shared/benchProtocol.ts): nothing but the tests sends them.
 */
import type { RequestEnvelope } from '../shared/messaging';

/** The environment variable that enables the hooks in a worker (tests only). */
export const TEST_HOOKS_ENV = 'KV_LENS_BENCH_TEST_HOOKS';

/**
 * - `abort`: `process.abort()`, i.e. SIGABRT, the way a native assertion failure ends a process;
 * - `oom`: allocate JavaScript objects until V8 reaches its heap limit and kills the process
 *   (run the worker with a small `--max-old-space-size` to make it quick).
 */
export type TestHookAction = 'abort' | 'oom';

/** Client -> worker, test only: fail now, even while a run is in progress. */
export interface TestHookMessage {
  type: 'testHook';
  action: TestHookAction;
}

/** True when this worker's environment enables the hooks. */
export function testHooksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TEST_HOOKS_ENV] === '1';
}

/** True for a test-hook request envelope. */
export function isTestHookMessage(message: unknown): message is RequestEnvelope<TestHookMessage> {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as { type?: unknown; action?: unknown; messageId?: unknown };
  return m.type === 'testHook' && (m.action === 'abort' || m.action === 'oom') && typeof m.messageId === 'number';
}

/** Carries out a hook; it does not return. */
export function runTestHook(action: TestHookAction): never {
  if (action === 'abort') process.abort();
  // Reachable, growing and not collectable: V8 gives up with "JavaScript heap out of memory".
  const hoard: number[][] = [];
  for (let i = 0; ; i++) hoard.push(new Array<number>(1 << 16).fill(i));
}
