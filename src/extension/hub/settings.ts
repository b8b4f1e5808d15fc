/**
 * The Hub's settings (`kvLens.hub.endpoint`, `kvLens.hub.offline`) and the token's place in SecretStorage.
 * Kept apart from KvLensSettings (core/settings): they decide where configs come from, not how a config is
 * costed, and the core never sees them.
 */
import * as vscode from 'vscode';

export { HUB_SETTINGS, TOKEN_SECRET } from './constants';

/** The endpoint and offline settings as set (empty / false when unset or invalid). */
export function readHubSettings(): { endpoint: string; offline: boolean } {
  const c = vscode.workspace.getConfiguration('kvLens');
  const endpoint = c.get<unknown>('hub.endpoint');
  const offline = c.get<unknown>('hub.offline');
  return { endpoint: typeof endpoint === 'string' ? endpoint : '', offline: offline === true };
}
