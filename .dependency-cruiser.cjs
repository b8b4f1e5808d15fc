/**
 * The house's import rules, checked by `npm run lint:imports` (part of `npm test`). Layers, lowest first:
 *   src/core     pure arithmetic and config reading: no `vscode`, no `node:` modules, nothing above it
 *   src/shared   the typed protocols between threads and the webview: core only
 *   src/io       files, headers, the HF cache, the Hub and logs (Node allowed): core only; every input path goes through it
 *   src/analysis, src/bench   document analysis and benchmarks (may use Node): never the editor or the CLI
 *   src/convert  checkpoint conversion (may use Node): core, shared, io; never analysis, bench or the front ends
 *   webview      the panel's browser code: core, shared and itself
 *   src/extension, src/cli    the two front ends: anything below, never each other
 * Imports point down only, and nothing imports in a circle.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Modules import in a circle.', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure', severity: 'error',
      comment: 'src/core imports nothing outside src/core but npm packages: no vscode, no node: modules.',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', '^node_modules/'] },
    },
    {
      name: 'core-no-node-or-vscode', severity: 'error',
      comment: 'src/core runs in the webview and in workers: no Node built-ins, no vscode.',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-no-vscode', severity: 'error', comment: 'Only src/extension may import vscode.',
      from: { pathNot: '^(src/extension|test/editor|test/e2e)/' },
      to: { path: '^vscode$' },
    },
    {
      name: 'shared-only-core', severity: 'error',
      comment: 'src/shared (protocols) imports only src/core and itself.',
      from: { path: '^src/shared/' },
      to: { pathNot: ['^src/(core|shared)/', '^node_modules/'] },
    },
    {
      name: 'shared-no-node', severity: 'error', comment: 'src/shared is loaded by the webview too: no Node built-ins.',
      from: { path: '^src/shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'io-only-core', severity: 'error',
      comment: 'src/io (files, headers, the HF cache, the Hub, logs) imports only src/core, itself and Node.',
      from: { path: '^src/io/' },
      to: { pathNot: ['^src/(core|io)/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'webview-only-core-shared', severity: 'error',
      comment: 'The panel bundle imports only src/core, src/shared and webview/.',
      from: { path: '^webview/' },
      to: { pathNot: ['^src/(core|shared)/', '^webview/', '^node_modules/'] },
    },
    {
      name: 'webview-no-node', severity: 'error', comment: 'The panel runs in a browser: no Node built-ins.',
      from: { path: '^webview/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'middle-not-front-ends', severity: 'error',
      comment: 'src/analysis and src/bench never import the editor layer or the CLI.',
      from: { path: '^src/(analysis|bench)/' },
      to: { path: '^src/(extension|cli)/' },
    },
    {
      name: 'convert-below-front-ends', severity: 'error',
      comment: 'src/convert (checkpoint conversion, its worker) imports core, shared, io and Node: never the editor, the CLI, analysis or bench.',
      from: { path: '^src/convert/' },
      to: { path: '^src/(extension|cli|analysis|bench)/' },
    },
    {
      name: 'analysis-and-bench-apart', severity: 'error',
      comment: 'src/analysis and src/bench are siblings: neither imports the other.',
      from: { path: '^src/(analysis|bench)/' },
      to: { path: '^src/(analysis|bench)/', pathNot: '^src/$1/' },
    },
    {
      name: 'front-ends-apart', severity: 'error', comment: 'The editor layer and the CLI never import each other.',
      from: { path: '^src/(extension|cli)/' },
      to: { path: '^src/(extension|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'product-not-tests', severity: 'error', comment: 'Shipped code never imports tests, scripts or benches.',
      from: { path: '^(src|webview)/' },
      to: { path: '^(test|scripts|bench)/' },
    },
    {
      name: 'known-modules', severity: 'error', comment: 'An import that does not resolve.',
      from: {}, to: { couldNotResolve: true, pathNot: '^vscode$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|out|\\.e2e|\\.test-output)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
