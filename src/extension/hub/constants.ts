/**
 * What package.json and the code share about the Hub features, without `vscode` (the manifest writer runs in
 * plain Node): the settings with their defaults, the languages hovered, the token's SecretStorage key.
 */

/** `kvLens.hub.*` settings with their schema (package.json mirrors them: contributions/manifest.ts). */
export const HUB_SETTINGS = {
  'hub.endpoint': { type: 'string', default: '', markdownDescription: 'Hugging Face Hub endpoint for model ids (a mirror, or a local test server). Empty: `$HF_ENDPOINT`, else `https://huggingface.co`.' },
  'hub.offline': { type: 'boolean', default: false, markdownDescription: 'Never contact the Hub: model ids are answered from the local Hugging Face cache and configs KV Lens fetched before. `HF_HUB_OFFLINE=1` does the same.' },
} as const;

/** Languages whose documents may name models (notebook code cells are documents in their cell's language). */
export const MODEL_ID_LANGUAGES: readonly string[] = ['python', 'shellscript', 'yaml', 'toml', 'json', 'jsonc', 'markdown', 'dockerfile', 'plaintext', 'ini', 'properties', 'dotenv', 'makefile'];

/** SecretStorage key of the Hugging Face token (command "KV Lens: Set Hugging Face Token"). */
export const TOKEN_SECRET = 'kvLens.hub.token';
