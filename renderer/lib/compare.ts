// What the comparison table shows: every row, or only the rows where the versions differ.
import type { VersionComparison } from '../../shared/contract';

export function visibleComparison(c: VersionComparison, onlyDifferences: boolean): VersionComparison {
  if (!onlyDifferences) return c;
  return {
    versions: c.versions,
    params: c.params.filter((r) => !r.same),
    metrics: c.metrics.filter((r) => !r.same),
    metadata: c.metadata.filter((r) => !r.same),
    files: c.files.filter((f) => f.status !== 'same'),
  };
}

export function differenceCount(c: VersionComparison): number {
  return (
    c.params.filter((r) => !r.same).length +
    c.metrics.filter((r) => !r.same).length +
    c.metadata.filter((r) => !r.same).length +
    c.files.filter((f) => f.status !== 'same').length
  );
}

/** Metadata keys people do not need side by side (ids, byte offsets of headers). */
const NOISE = /(^|\.)(model_uuid|run_id|runId|utc_time_created|headerBytes|dataPklBytes|graphBytes|footerBytes|mainFile|storageBytes|storages)$/;

export function isNoiseKey(key: string): boolean {
  return NOISE.test(key);
}
