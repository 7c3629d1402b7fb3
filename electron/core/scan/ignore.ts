// Folders and files people would not want indexed: version-control and OS/NAS housekeeping, caches,
// recycle bins, Office lock files. Matched on the name alone, case-insensitively.
export const DEFAULT_IGNORE: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.ipynb_checkpoints',
  '.Trash',
  '.Trashes',
  '.Trash-*',
  '#recycle',
  '#snapshot',
  '$RECYCLE.BIN',
  '@eaDir',
  '@Recycle',
  '.snapshot',
  '.snapshots',
  '.DS_Store',
  '._*',
  'Thumbs.db',
  'desktop.ini',
  '~$*',
  '.modelshelf',
  '.cache',
];

/** Compiles glob-ish names ('*' wildcard only) into one predicate. */
export function makeIgnore(patterns: readonly string[] = DEFAULT_IGNORE): (name: string) => boolean {
  const exact = new Set<string>();
  const wild: RegExp[] = [];
  for (const p of patterns) {
    if (p.includes('*')) {
      const re = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      wild.push(new RegExp(`^${re}$`, 'i'));
    } else exact.add(p.toLowerCase());
  }
  return (name) => exact.has(name.toLowerCase()) || wild.some((re) => re.test(name));
}

/** Names a scan refuses to store: control characters, separators, dot names. Returns the reason. */
export function unsafeNameReason(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return 'the name is empty or a dot name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we reject
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  if (name.includes('/') || name.includes('\\')) return 'the name contains a path separator';
  if (/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'the name is not valid Unicode';
  if (name.length > 255) return 'the name is longer than 255 characters';
  return null;
}
