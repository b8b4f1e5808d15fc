/** The KV Lens panel's public surface for the command table and activation. */
export { Panels } from './panels';
export { PANEL_VIEW_TYPE } from '../../shared/panelProtocol';
