/**
 * Where the Hub is, who is asking and whether asking is allowed: endpoint, token and offline mode, resolved in
 * the order huggingface_hub uses (huggingface/huggingface_hub, src/huggingface_hub/constants.py: `HF_ENDPOINT`,
 * `HF_HUB_OFFLINE` read by `_is_true`, `HF_TOKEN_PATH` defaulting to `$HF_HOME/token`; utils/_auth.py
 * `get_token`: `HF_TOKEN`, then the legacy `HUGGING_FACE_HUB_TOKEN`, then the token file), with the editor's own
 * sources first (the setting, SecretStorage). A token is a secret: nothing here logs or prints it; only its
 * source is ever shown.
 */
import { join } from 'node:path';
import { hfHomeDir, type HfEnv } from './hfCache';
import { readConfigFile } from './readConfigFile';

/** The public Hub. */
export const PUBLIC_HUB = 'https://huggingface.co';

/** Where a token came from (said in messages; the token itself never is). */
export type TokenSource = 'secret storage' | 'HF_TOKEN' | 'HUGGING_FACE_HUB_TOKEN' | 'token file';

/** A token and where it came from. */
export interface HubToken {
  token: string;
  source: TokenSource;
  /** The token file's path, when that is the source. */
  path?: string;
}

/** The endpoint: the editor setting, else `$HF_ENDPOINT`, else the public Hub; without a trailing `/`. */
export function resolveEndpoint(setting: string | undefined, env: HfEnv = process.env): string {
  for (const candidate of [setting, env.HF_ENDPOINT]) {
    const s = candidate?.trim();
    if (!s) continue;
    try {
      const u = new URL(s);
      if (u.protocol === 'http:' || u.protocol === 'https:') return s.replace(/\/+$/, '');
    } catch {
      // Not a URL: the next source answers (the setting reader reports invalid values).
    }
  }
  return PUBLIC_HUB;
}

/** huggingface_hub's `_is_true`: `1`, `ON`, `YES`, `TRUE` in any case. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

/** Offline when the setting says so or `$HF_HUB_OFFLINE` is true. */
export function resolveOffline(setting: boolean | undefined, env: HfEnv = process.env): boolean {
  return setting === true || isTrue(env.HF_HUB_OFFLINE);
}

/**
 * The token to send: SecretStorage's (the editor passes it), else `$HF_TOKEN`, else `$HUGGING_FACE_HUB_TOKEN`,
 * else the token file (`$HF_TOKEN_PATH`, else `$HF_HOME/token`), read through the one reader, 4 KiB at most.
 */
export function resolveToken(secret: string | undefined, env: HfEnv = process.env, home?: string): HubToken | undefined {
  if (secret?.trim()) return { token: secret.trim(), source: 'secret storage' };
  if (env.HF_TOKEN?.trim()) return { token: env.HF_TOKEN.trim(), source: 'HF_TOKEN' };
  if (env.HUGGING_FACE_HUB_TOKEN?.trim()) return { token: env.HUGGING_FACE_HUB_TOKEN.trim(), source: 'HUGGING_FACE_HUB_TOKEN' };
  const path = env.HF_TOKEN_PATH || join(home === undefined ? hfHomeDir(env) : hfHomeDir(env, home), 'token');
  const read = readConfigFile(path, { maxBytes: 4096 });
  if ('error' in read) return undefined;
  const token = read.text.trim();
  return token ? { token, source: 'token file', path } : undefined;
}
