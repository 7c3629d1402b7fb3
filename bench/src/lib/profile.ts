// Where a scan's CPU time went: self time per source module and per function, from a .cpuprofile
// the child wrote around one scan. The child runs an esbuild bundle; esbuild keeps function names
// and marks where each module starts with a `// path/to/file.ts` line, which maps samples back to
// engine source files.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Maps a line of child.cjs (next to the bundles run.mjs builds) to the source module it came from (esbuild's `// file` markers). */
function moduleIndex(bundleFile: string): (line: number) => string {
  let lines: string[] = [];
  try {
    lines = readFileSync(bundleFile, 'utf8').split('\n');
  } catch {
    return () => '?';
  }
  const starts: Array<[number, string]> = [];
  lines.forEach((l, i) => {
    const m = /^\/\/ (\S+\.(?:ts|tsx|js|mjs|cjs|json))$/.exec(l);
    if (m) starts.push([i, m[1]!]);
  });
  return (line: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '?';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]![0] <= line) {
        found = starts[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

export interface ProfileSummary {
  totalMs: number;
  byModule: Array<{ module: string; selfMs: number; pct: number }>;
  byFunction: Array<{ fn: string; module: string; selfMs: number; pct: number }>;
}

export function summarizeProfile(profileFile: string, bundleFile: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const modOf = moduleIndex(bundleFile);
  const mods = new Map<string, number>();
  const fns = new Map<string, { module: string; ms: number }>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    let module: string;
    if (cf.url.endsWith('child.cjs')) module = modOf(cf.lineNumber);
    else if (cf.url === '') module = cf.functionName.startsWith('(') ? cf.functionName : '(native)';
    else if (cf.url.startsWith('node:')) module = cf.url;
    else module = cf.url.replace(/^.*node_modules\//, 'node_modules/');
    module = module.replace(/^(\.\.\/)+/, '');
    total += ms;
    mods.set(module, (mods.get(module) ?? 0) + ms);
    const where = cf.url.endsWith('child.cjs') ? `${module} (child.cjs:${cf.lineNumber + 1})` : module;
    const key = `${cf.functionName || '(anonymous)'}\t${where}`;
    const f = fns.get(key) ?? { module: where, ms: 0 };
    f.ms += ms;
    fns.set(key, f);
  }
  const pct = (ms: number) => Math.round((ms / Math.max(1e-9, total)) * 1000) / 10;
  return {
    totalMs: Math.round(total),
    byModule: [...mods.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([module, ms]) => ({ module, selfMs: Math.round(ms), pct: pct(ms) })),
    byFunction: [...fns.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([key, f]) => ({ fn: key.split('\t')[0]!, module: key.split('\t')[1]!, selfMs: Math.round(f.ms), pct: pct(f.ms) })),
  };
}
