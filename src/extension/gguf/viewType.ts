/** The GGUF custom editor's view type (package.json `contributes.customEditors`); no `vscode` import, so the manifest writer can read it. */
export const GGUF_EDITOR_VIEW_TYPE = 'kvLens.ggufEditor';
