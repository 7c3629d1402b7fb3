// Scans in progress (from `scan.progress` events and the scans this window started) and the last
// outcome per source, so the status bar and the sources view can say what is happening.
import type { EventPayloads, ScanProgress } from '../../shared/contract';
import type { RendererApi } from '../api/connection';
import type { GetState, SetState } from './types';

export interface ScanOutcome {
  ok: boolean;
  message: string;
  at: number;
}

export interface ScanSlice {
  /** Source id → latest progress (null until the first event arrives). */
  scans: Record<number, ScanProgress | null>;
  scanOutcomes: Record<number, ScanOutcome>;
  scanSource(id: number): Promise<void>;
  cancelScan(id: number): Promise<void>;
  scanProgressed(progress: ScanProgress): void;
  scanFinished(payload: EventPayloads['scan.finished']): void;
  forgetScan(id: number): void;
}

function without<T>(record: Record<number, T>, id: number): Record<number, T> {
  if (!(id in record)) return record;
  const copy = { ...record };
  delete copy[id];
  return copy;
}

export function createScanSlice(set: SetState, get: GetState, api: RendererApi): ScanSlice {
  return {
    scans: {},
    scanOutcomes: {},

    async scanSource(id) {
      set((state) => ({
        scans: id in state.scans ? state.scans : { ...state.scans, [id]: null },
        scanOutcomes: without(state.scanOutcomes, id),
      }));
      const result = await api.call('sources.scan', { id });
      if (result.ok) {
        get().scanFinished({ sourceId: id, result: { ok: true, summary: result.value } });
      } else if (result.error.code === 'UNREACHABLE') {
        // The connection dropped, not the scan: the engine may still be indexing. Forget our local
        // marker; the sources list fetched after reconnecting says whether it is still running.
        set((state) => ({ scans: without(state.scans, id) }));
      } else if (result.error.code !== 'CONFLICT') {
        // CONFLICT: a scan of this source is already running; its own events will finish it.
        get().scanFinished({ sourceId: id, result: { ok: false, ...result.error } });
      }
    },

    async cancelScan(id) {
      await api.call('sources.cancelScan', { id });
    },

    scanProgressed(progress) {
      set((state) => ({ scans: { ...state.scans, [progress.sourceId]: progress } }));
    },

    scanFinished({ sourceId, result }) {
      const outcome: ScanOutcome | null = result.ok
        ? { ok: true, message: '', at: Date.now() }
        : result.code === 'CANCELLED'
          ? null
          : { ok: false, message: result.message, at: Date.now() };
      set((state) => ({
        scans: without(state.scans, sourceId),
        scanOutcomes: outcome ? { ...state.scanOutcomes, [sourceId]: outcome } : without(state.scanOutcomes, sourceId),
      }));
      void get().fetchSources();
      void get().refreshLibrary();
    },

    forgetScan(id) {
      set((state) => ({ scans: without(state.scans, id), scanOutcomes: without(state.scanOutcomes, id) }));
    },
  };
}
