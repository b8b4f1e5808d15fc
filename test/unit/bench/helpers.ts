/** Shared fixtures for the benchmark tests: a worker forked from source, tiny requests. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BenchClient } from '../../../src/bench/client';
import { BenchError } from '../../../src/shared/benchProtocol';
import type { BenchRequest } from '../../../src/shared/benchProtocol';

/** A client whose worker runs from the TypeScript source (no build needed, never stale). */
export function sourceClient(env?: NodeJS.ProcessEnv): BenchClient {
  return new BenchClient({ workerPath: join(__dirname, '..', '..', '..', 'src', 'bench', 'worker.ts'), execArgv: ['--import', 'tsx'], env });
}

/** A tiny decode request: 8 query heads of 16, MHA / GQA-2 / MQA, two contexts. */
export function tinyRequest(overrides: Partial<BenchRequest> = {}): BenchRequest {
  return {
    model: { name: 'tiny', kind: 'GQA', queryHeads: 8, headDim: 16, valueHeadDim: 16, configuredKvHeads: 2 },
    variants: [8, 2, 1],
    ep: 'cpu',
    phase: 'decode',
    contexts: [33, 64],
    prompt: 5,
    batch: 2,
    dtype: 'fp32',
    paths: ['gqa', 'attention', 'plain', 'grouped'],
    warmup: 2,
    rounds: 3,
    measureCeilings: false,
    ...overrides,
  };
}

/** The Vulkan ICD of SwiftShader as Debian's chromium package ships it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Resolves with the BenchError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(p: Promise<unknown>): Promise<BenchError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof BenchError, `expected a BenchError, got ${error}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
