// Training runs found on the sources (MLflow, TensorBoard, Hugging Face trainer, Lightning, …).
import type { RunSummary } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import type { RendererApi } from '../api/connection';
import type { GetState, SetState } from './types';

export interface RunsState {
  /** null until the first answer: the view shows skeleton rows. */
  items: RunSummary[] | null;
  loading: boolean;
  error: AppError | null;
}

export interface RunsSlice {
  runs: RunsState;
  fetchRuns(): Promise<void>;
}

export function createRunsSlice(set: SetState, _get: GetState, api: RendererApi): RunsSlice {
  let seq = 0;
  return {
    runs: { items: null, loading: false, error: null },
    async fetchRuns() {
      const mine = ++seq;
      set((state) => ({ runs: { ...state.runs, loading: true } }));
      const result = await api.call('runs.list', {});
      if (mine !== seq) return;
      set((state) => ({
        runs: result.ok
          ? { items: result.value, loading: false, error: null }
          : { ...state.runs, loading: false, error: result.error },
      }));
    },
  };
}
