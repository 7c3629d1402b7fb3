export type { ConnectionInfo, ConnectionState, RendererApi } from './connection';
export { createBridgeApi } from './bridge-api';
export { pickApi } from './pick-api';
export { readToken, rpcUrl } from './token';
export { createWsApi } from './ws-api';
