// What every benchmark gets from the runner.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './proc';

export interface BenchContext {
  /** Measured repetitions per benchmark (medians are taken over these). */
  runs: number;
  /** Scratch folder of this run, removed at the end. */
  workDir: string;
  /** Kept between runs (big generated data: 1M-file tree, 1M-row catalog). */
  cacheDir: string;
  /** Where .cpuprofile files go when --profile is given, else null. */
  profileDir: string | null;
  log(message: string): void;
}

/** A short hash of engine source files: cached data built with other code is rebuilt. */
export function sourceHash(files: string[], extra = ''): string {
  const h = createHash('sha256').update(extra);
  for (const f of files) {
    try {
      h.update(readFileSync(path.join(REPO_ROOT, f)));
    } catch {
      h.update(`missing:${f}`);
    }
  }
  return h.digest('hex').slice(0, 12);
}
