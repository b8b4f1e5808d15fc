/**
 * Builds the extension and the in-editor suite, and lays out a fresh fixture workspace in
 * .test-output/editor/workspace: what a desktop run needs before `npx vscode-test` (.vscode-test.mjs) or the
 * "Extension Tests" launch configuration starts VS Code. `npm run test:editor` does this itself.
 */
import { buildEditorTests, freshEditorTestsOutput } from './lib/editorTestsBuild';
import { run } from './lib/util';

async function main(): Promise<void> {
  run('npm', ['run', 'build']);
  await buildEditorTests();
  freshEditorTestsOutput();
  console.log('in-editor suite built into out/editor-tests; fixture workspace copied to .test-output/editor/workspace');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
