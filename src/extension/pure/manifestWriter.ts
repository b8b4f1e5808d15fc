/**
 * Writes the editor layer's package.json keys from manifest.ts, leaving every other key as it is.
 * Run from the repository root after changing commands, settings or lint rules: `node --import tsx src/extension/pure/manifestWriter.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { activationEvents, capabilities, contributes } from './manifest';

const path = resolve(process.cwd(), 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
pkg.activationEvents = activationEvents();
pkg.contributes = contributes();
pkg.capabilities = capabilities();
writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
console.log('package.json: activationEvents, contributes and capabilities written');
