// The import directions of ARCHITECTURE.md, as data: which zone may import which zones and modules.
// Used by check-imports.mjs (run by `npm run lint`) and tested in import-rules.test.ts.
import path from 'node:path';

/** Zone of a repository-relative file path, or null when the file is not governed. */
export function zoneOf(rel) {
  const p = rel.split(path.sep).join('/');
  if (p.startsWith('shared/')) return 'shared';
  if (p.startsWith('electron/core/')) return 'core';
  if (p.startsWith('electron/hosts/')) return 'hosts';
  if (p.startsWith('electron/testing/')) return 'testing';
  if (p.startsWith('electron/main/')) return 'main';
  if (p.startsWith('electron/preload/')) return 'preload';
  if (p.startsWith('renderer/')) return 'renderer';
  return null;
}

const ALLOWED_ZONES = {
  shared: ['shared'],
  core: ['core', 'shared'],
  hosts: ['hosts', 'core', 'shared'],
  testing: ['testing', 'core', 'shared'],
  main: ['main', 'core', 'shared'],
  preload: ['preload', 'shared'],
  renderer: ['renderer', 'shared'],
};

const NODE_BUILTIN = /^node:|^(fs|path|os|net|http|https|crypto|child_process|url|util|stream|zlib|events|dgram|tls|worker_threads)(\/|$)/;

/**
 * Returns null when `fromRel` may import `specifier`, else the reason. Relative specifiers are
 * resolved against the importing file and judged by the zone they land in.
 */
export function checkImport(fromRel, specifier) {
  const zone = zoneOf(fromRel);
  if (zone === null) return null;
  // Tests may use the test tools whatever zone they sit in.
  if (/\.test\.tsx?$/.test(fromRel) && /^(vitest|@testing-library\/|happy-dom)/.test(specifier)) return null;
  if (specifier.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(fromRel.split(path.sep).join('/')), specifier));
    const targetZone = zoneOf(target) ?? `outside (${target})`;
    return ALLOWED_ZONES[zone].includes(targetZone) ? null : `${zone}/ may not import ${targetZone}/ (${specifier})`;
  }
  const isNode = NODE_BUILTIN.test(specifier);
  const isElectron = specifier === 'electron' || specifier.startsWith('electron/');
  const isUi = /^(react|react-dom|zustand)(\/|$)/.test(specifier);
  switch (zone) {
    case 'shared':
      return specifier === 'zod' || specifier.startsWith('zod/') ? null : `shared/ may import only zod, not "${specifier}"`;
    case 'core':
    case 'hosts':
    case 'testing':
      if (isElectron) return `${zone}/ runs under plain Node and must never import electron`;
      if (isUi) return `${zone}/ must not import UI library "${specifier}"`;
      return null;
    case 'main':
      return isUi ? `main/ must not import UI library "${specifier}"` : null;
    case 'preload':
      return isElectron ? null : `preload/ may import only electron and shared/, not "${specifier}"`;
    case 'renderer':
      if (isNode) return `renderer/ must not import Node module "${specifier}"`;
      if (isElectron) return 'renderer/ must not import electron (use the AppApi)';
      return null;
  }
  return null;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier a source text imports (static, dynamic and require). */
export function importsOf(text) {
  const out = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2]);
  return out;
}
