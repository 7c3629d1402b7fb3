// Names no Linux disk can hold (Samba never serves them) but another server can send: 300-character
// names, separators and control characters inside a name, '.', '..', unpaired UTF-16 surrogates, a
// folder listing itself. Fed to the real scanner through an in-memory FileSource that answers like a
// hostile server: nothing escapes, the scan ends, and every skip says why in plain words.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../core/catalog/catalog';
import { openCatalogDb } from '../../core/catalog/open';
import type { FileEntry, FileSource } from '../../core/nas/file-source';
import { runScan } from '../../core/scan/scanner';
import { escapingPaths, within } from './helpers';

const file = (name: string, size = 3): FileEntry => ({ name, isDir: false, size, mtimeMs: Date.UTC(2026, 0, 1) });
const dir = (name: string): FileEntry => ({ name, isDir: true, size: 0, mtimeMs: Date.UTC(2026, 0, 1) });

const ROOT: FileEntry[] = [
  file('a'.repeat(300)),
  file(`${'x'.repeat(296)}.csv`),
  dir('b'.repeat(300)),
  file('../../etc/passwd'),
  file('..\\..\\windows\\win.ini'),
  file('/etc/shadow'),
  file('C:\\boot.ini'),
  dir('..'),
  dir('.'),
  file(''),
  file('nul\u0000byte.txt'),
  file('bell\u0007.txt'),
  file('line\nbreak.csv'),
  file('half\uD800.txt'),
  file('low\uDC00.txt'),
  dir('ok'),
  dir('self'),
];

/** A server that lists whatever it is told, and a folder 'self' that contains itself forever. */
function hostileServer(): FileSource & { listed: string[] } {
  const listed: string[] = [];
  return {
    kind: 'smb',
    label: 'smb://hostile/share',
    listed,
    async list(d) {
      listed.push(d);
      if (d === '') return ROOT;
      if (d === 'ok') return [file('model.csv', 8)];
      if (d.split('/').every((p) => p === 'self')) return [dir('self'), file('again.txt')];
      return [file('deeper.txt')];
    },
    async stat(p) {
      return file(p.split('/').pop() ?? '');
    },
    async read(_p, offset, length) {
      return new TextEncoder().encode('a,b\n1,2\n').subarray(offset, offset + length);
    },
    counters: () => ({ requests: listed.length, roundTrips: listed.length, bytesRead: 0 }),
    async close() {},
  };
}

describe('names a hostile server sends', () => {
  it('are skipped with a reason, never stored, and a self-containing folder stops at the depth limit', async () => {
    const catalog = new Catalog(openCatalogDb(':memory:'));
    const src = catalog.insertSource({ kind: 'smb', name: 'hostile', url: 'smb://hostile/share', host: 'hostile', share: 'share' });
    const server = hostileServer();
    const summary = await within(
      20_000,
      'scan of the hostile server',
      runScan({ catalog, source: server, sourceId: src.id, signal: new AbortController().signal }),
    );
    expect(escapingPaths(catalog.db)).toEqual([]);
    const paths = catalog.db.prepare('SELECT path FROM entry').pluck().all() as string[];
    // Only names a person can see and export reached the catalog.
    for (const p of paths) {
      for (const seg of p.split('/')) {
        expect(seg.length, p).toBeLessThanOrEqual(255);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
        expect(seg, p).not.toMatch(/[\u0000-\u001f\u007f\\/]/);
        expect(seg === '.' || seg === '..' || seg === '', p).toBe(false);
      }
    }
    expect(paths).toContain('ok/model.csv');
    // Every hostile name of the root listing is in `skipped`, with a reason in words.
    const reasons = new Map(summary.skipped.map((s) => [s.path, s.reason]));
    const expectSkip = (name: string, reason: RegExp) => expect(reasons.get(name), JSON.stringify(name)).toMatch(reason);
    expectSkip('a'.repeat(300), /longer than 255 characters/);
    expectSkip('b'.repeat(300), /longer than 255 characters/);
    expectSkip('../../etc/passwd', /path separator/);
    expectSkip('..\\..\\windows\\win.ini', /path separator/);
    expectSkip('/etc/shadow', /path separator/);
    expectSkip('C:\\boot.ini', /path separator/);
    expectSkip('..', /dot name/);
    expectSkip('nul\u0000byte.txt', /control character/);
    expectSkip('line\nbreak.csv', /control character/);
    expectSkip('half\uD800.txt', /not valid Unicode/);
    expectSkip('low\uDC00.txt', /not valid Unicode/);
    // A folder that lists itself is followed only to the depth limit, and said so.
    expect(Math.max(...paths.map((p) => p.split('/').length))).toBeLessThanOrEqual(101);
    expect(summary.skipped.some((s) => s.path.startsWith('self/self/') && /deeper than 100 folders/.test(s.reason))).toBe(true);
    expect(server.listed.length).toBeLessThan(200);
    for (const s of summary.skipped) expect(s.reason).toMatch(/^[a-z][^\n]{5,200}$/i);
    catalog.close();
  });
});
