/**
 * Writes the editor layer's package.json keys from manifest.ts, leaving every other key as it is, and the
 * JSON schema and injection grammar from jsonAssets.ts.
 * Run from the repository root after changing commands, settings or lint rules: `npm run write:manifest`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { injectionGrammar, modelConfigSchema } from '../src/extension/contributions/jsonAssets';
import { activationEvents, capabilities, contributes } from '../src/extension/contributions/manifest';

const path = resolve(process.cwd(), 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
pkg.activationEvents = activationEvents();
pkg.contributes = contributes();
pkg.capabilities = capabilities();
writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(resolve(process.cwd(), 'schemas/model-config.schema.json'), `${JSON.stringify(modelConfigSchema(), null, 2)}\n`);
writeFileSync(resolve(process.cwd(), 'syntaxes/kv-lens.injection.json'), `${JSON.stringify(injectionGrammar(), null, 2)}\n`);
console.log('written: package.json (activationEvents, contributes, capabilities), schemas/model-config.schema.json, syntaxes/kv-lens.injection.json');
