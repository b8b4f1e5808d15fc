/**
 * `kv-lens-hub:/ORG/NAME/config.json?<commit>`: a Hub model's config.json as a read-only virtual document.
 * Its name ends in `.json`, so VS Code gives it the JSON language and KV Lens analyses it as any config (its
 * scheme is not one of the editor's own: src/analysis/eligibility.ts): hovers, lint and lens as for a local file.
 * The text comes from what was resolved (HubModels), KV Lens's store or the HF cache, by commit: it never changes.
 */
import * as vscode from 'vscode';
import { isValidRepoId } from '../../core/modelId';
import { isCommitHash } from '../../io/hfCache';
import type { HubModels } from './models';

export const HUB_SCHEME = 'kv-lens-hub';

/** The virtual document of `id` at `commit`. */
export function hubConfigUri(id: string, commit: string): vscode.Uri {
  return vscode.Uri.from({ scheme: HUB_SCHEME, path: `/${id}/config.json`, query: commit });
}

/** The id and commit a virtual document names, or undefined. */
export function parseHubConfigUri(uri: vscode.Uri): { id: string; commit: string } | undefined {
  if (uri.scheme !== HUB_SCHEME) return undefined;
  const m = /^\/(.+)\/config\.json$/.exec(uri.path);
  const id = m?.[1];
  return id && isValidRepoId(id) && isCommitHash(uri.query) ? { id, commit: uri.query } : undefined;
}

/** Serves the virtual documents. */
export class HubConfigDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly models: HubModels) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const named = parseHubConfigUri(uri);
    if (!named) throw new Error(`not a KV Lens Hub document: ${uri.toString()}`);
    const model = this.models.resolved(named.id, named.commit);
    if (!model) throw new Error(`${named.id}@${named.commit} is not cached; hover its id or run "KV Lens: Analyze Hub Model..." first`);
    return model.text;
  }
}
