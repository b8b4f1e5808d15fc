/** Every command KV Lens registers; package.json `contributes.commands` lists the same ids. */
export enum CommandId {
  OpenPanel = 'kvLens.openPanel',
  RunBenchmark = 'kvLens.runBenchmark',
  CopySummary = 'kvLens.copySummary',
  SelectKvDtype = 'kvLens.selectKvDtype',
  SelectContext = 'kvLens.selectContext',
  SelectBatch = 'kvLens.selectBatch',
  SelectTensorParallel = 'kvLens.selectTensorParallel',
  SetRuleSeverity = 'kvLens.setRuleSeverity',
  ShowLog = 'kvLens.showLog',
  AnalyzeHubModel = 'kvLens.analyzeHubModel',
  SetHubToken = 'kvLens.setHubToken',
  CheckEngineLog = 'kvLens.checkEngineLog',
  /** The model-id hover's "Open config.json" link (not in the palette). */
  OpenHubConfig = 'kvLens.openHubConfig',
  /** Writes the open config's checkpoint with fewer KV heads (src/extension/convert). */
  ConvertToGqa = 'kvLens.convertToGqa',
  /** Internal: the state of a document as the extension sees it, for the in-editor tests. */
  GetState = 'kvLens._getState',
}

/** The ids as a set, to check ids that come from elsewhere (hover links) against. */
export const COMMAND_IDS: ReadonlySet<string> = new Set(Object.values(CommandId));

/** Context key: the active editor shows a model config. */
export const CONTEXT_IS_MODEL_CONFIG = 'kvLens.isModelConfig';
/** Context key: the active model config's attention kind (`MHA`, `GQA`, `MQA`, `MLA`, `none`), else unset. */
export const CONTEXT_ATTENTION_KIND = 'kvLens.attentionKind';
