// @vscode/test-cli configuration (`npx vscode-test`) for machines with a desktop VS Code: the in-editor
// suite in test/editor, bundled into out/editor-tests by `node --import tsx scripts/prepare-editor-tests.ts`
// (run that first). KV_LENS_VSCODE_EXECUTABLE names an installed VS Code binary; otherwise test-cli
// downloads KV_LENS_VSCODE_DOWNLOAD (default: stable). Where no desktop VS Code can run, `npm run test:editor`
// runs the same suite inside code-server.
import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from '@vscode/test-cli';

const executable = process.env.KV_LENS_VSCODE_EXECUTABLE;
// untrusted.test.js needs an untrusted workspace: `npm run test:editor` runs it in a profile of its own.
const dir = 'out/editor-tests';
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js') && f !== 'untrusted.test.js').map((f) => `${dir}/${f}`) : [];

export default defineConfig({
  label: 'in-editor',
  files,
  workspaceFolder: '.test-output/editor/workspace',
  mocha: { ui: 'tdd', timeout: 60_000 },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  ...(executable ? { useInstallation: { fromPath: executable } } : { version: process.env.KV_LENS_VSCODE_DOWNLOAD ?? 'stable' }),
});
