// Modelshelf's own SMB2/3 client. See /work/shared/design/SMB.md for why and what it must get right.
export { connectSmb, toWirePath } from './client';
export type { SmbClient, SmbConnectOptions, SmbCounters, SmbShare, StreamOptions, WatchOptions } from './client';
export { SmbStatusError, errorFromStatus } from './errors';
export type { ShareInfo } from './srvsvc';
