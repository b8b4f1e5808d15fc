/** The KV Lens panel's public surface for the command table and activation. */
export { KvLensPanel } from './kvLensPanel';
export { registerPanelSerializer } from './serializer';
export { PANEL_VIEW_TYPE } from '../../shared/panelProtocol';
