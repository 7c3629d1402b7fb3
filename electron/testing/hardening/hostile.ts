// The hostile-share suite (used by hostile-share.samba.test.ts and hostile-links.samba.*.ts).
// Hostile shares: names and trees created on the server's own disk (as a NAS user or a sync tool would
// leave them), served by real Samba with symlinks followed and not followed. Nothing escapes (no path in
// the catalog outside the share), nothing hangs (the scan ends within a bound), headers that lie about
// their sizes cost kilobytes, files growing during the scan are handled, and the summary's `skipped`
// says what was skipped and why in plain words.
import { appendFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary, Source } from '../../../shared/contract';
import { writeSafetensors } from '../../core/demo/model-writers';
import { createEngine } from '../../core/engine';
import type { Engine } from '../../core/engine-api';
import { type SambaServer, startSamba } from '../samba';
import { escapingPaths, openReadOnly, sleep, within } from './helpers';

const SCAN_BOUND_MS = 60_000;

/** A header claiming 2^60 bytes of JSON, and a GGUF claiming a billion tensors and a 2^60-byte key. */
function lyingHeaders(): Record<string, Uint8Array> {
  const st = Buffer.alloc(64);
  st.writeBigUInt64LE(1n << 60n, 0);
  st.write('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8);
  const st2 = Buffer.alloc(64);
  st2.writeBigUInt64LE(40n, 0);
  st2.write('{"__metadata__":{"n":"1000000000"}', 8);
  const gguf = Buffer.alloc(64);
  gguf.write('GGUF', 0);
  gguf.writeUInt32LE(3, 4);
  gguf.writeBigUInt64LE(1_000_000_000n, 8); // tensors
  gguf.writeBigUInt64LE(1n, 16); // one KV
  gguf.writeBigUInt64LE(1n << 60n, 24); // its key: 2^60 bytes long
  const gguf2 = Buffer.alloc(64);
  gguf2.write('GGUF', 0);
  gguf2.writeUInt32LE(3, 4);
  gguf2.writeBigUInt64LE(1_000_000_000n, 8);
  gguf2.writeBigUInt64LE(1_000_000_000n, 16);
  return { 'lies/huge-header.safetensors': st, 'lies/short-header.safetensors': st2, 'lies/billion.gguf': gguf, 'lies/billion-kv.gguf': gguf2 };
}

async function seedHostile(dir: string): Promise<void> {
  const put = async (rel: string, data: string | Uint8Array = 'x') => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), data);
  };
  await put('ok/model.safetensors', writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], values: [1, 2] }]));
  // control characters, Windows-reserved names, trailing dots and spaces, dot-looking names
  for (const name of ['ctl\u0001name.txt', 'tab\tname.csv', 'new\nline.txt', 'esc\u001b[31m.txt', 'del\u007f.txt']) await put(`names/${name}`);
  for (const name of ['CON', 'NUL.txt', 'aux', 'com1.safetensors', 'PRN.csv', 'trailing.', 'trailing ', 'both. .', '..foo', '.hidden', 'a:b.txt', 'q?.txt', 'star*.txt', 'pipe|.txt', 'lt<gt>.txt', 'quote".txt', 'back\\slash.txt']) {
    await put(`names/${name}`);
  }
  await put('names/.../inside-dots.txt', 'inside');
  await put('names/dir. /inside-trailing.txt', 'inside');
  // the longest names a Linux disk holds (255 bytes): ASCII, and 85 three-byte characters
  await put(`names/${'a'.repeat(251)}.csv`, 'a,b\n1,2\n');
  await put(`names/${'日'.repeat(85)}`);
  // invalid UTF-8 in the server's file name
  await mkdir(path.join(dir, 'bytes'), { recursive: true });
  writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'bytes', 'bad-')), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.csv')]), 'a,b\n1,2\n');
  writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'bytes', 'half-')), Buffer.from([0xe6, 0x97])]), 'x');
  // a tree 200 folders deep
  let deep = 'deep';
  for (let i = 0; i < 200; i++) deep += '/d';
  await put(`${deep}/bottom.csv`, 'a\n1\n');
  // symlink loops and links out of the share
  await mkdir(path.join(dir, 'loops', 'a'), { recursive: true });
  await symlink('.', path.join(dir, 'loops', 'self'));
  await symlink('..', path.join(dir, 'loops', 'a', 'up'));
  await symlink('.', path.join(dir, 'loops', 'a', 'x'));
  await symlink('.', path.join(dir, 'loops', 'a', 'y'));
  await symlink('/etc', path.join(dir, 'escape-dir'));
  await symlink('/etc/passwd', path.join(dir, 'escape-file'));
  await symlink('../../..', path.join(dir, 'escape-up'));
  // headers that lie about their sizes
  for (const [rel, data] of Object.entries(lyingHeaders())) await put(rel, data);
  // files that change while they are read
  await put('growing/log.csv', 'step,loss\n');
  await put('growing/weights.safetensors', writeSafetensors([{ name: 'w', dtype: 'F32', shape: [4], values: [1, 2, 3, 4] }]));
}

const PLAIN = /^[A-Za-z][^\n]{5,300}$/;
const TECHNICAL = /0x[0-9a-f]{6,}|NTSTATUS|STATUS_|undefined|\[object |at [\w.]+ \(|Error:/;

export function hostileShareSuite(follow: 'yes' | 'no'): void {
  describe(`a hostile share (follow symlinks = ${follow})`, () => {
    let samba: SambaServer;
    let dataDir: string;
    let engine: Engine;

    beforeAll(async () => {
      samba = await startSamba({ shares: [{ name: 'models', seed: seedHostile }], globalOptions: [`follow symlinks = ${follow}`] });
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-hostile-'));
      engine = await createEngine({ dataDir });
    });

    afterAll(async () => {
      await engine?.close();
      await samba?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('scans within the bound; nothing escapes; lying headers cost kilobytes; skips are explained in plain words', async () => {
      const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password });
      expect(added.ok, JSON.stringify(added)).toBe(true);
      const id = ((added as { value: Source }).value).id;

      // Files grow while the scan reads them.
      const share = samba.sharePath('models');
      let appending = true;
      let appends = 0;
      const appender = (async () => {
        const until = Date.now() + SCAN_BOUND_MS;
        while (appending && Date.now() < until) {
          await appendFile(path.join(share, 'growing', 'log.csv'), `${appends},${1 / (appends + 1)}\n`);
          await appendFile(path.join(share, 'growing', 'weights.safetensors'), Buffer.alloc(16));
          appends++;
          await sleep(2);
        }
      })();
      const t0 = performance.now();
      let r: Awaited<ReturnType<Engine['call']>>;
      try {
        r = await within(SCAN_BOUND_MS, 'scan of the hostile share', engine.call('sources.scan', { id }));
      } finally {
        appending = false;
        await appender;
      }
      const ms = performance.now() - t0;
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const summary = (r as { value: ScanSummary }).value;
      console.log(`follow symlinks = ${follow}: scan ${Math.round(ms)} ms, ${summary.folders} folders, ${summary.files} files, read ${summary.bytesRead} B, ${appends} appends, skipped:\n${summary.skipped.map((s) => `  ${JSON.stringify(s.path)}: ${s.reason}`).join('\n')}`);

      const db = openReadOnly(dataDir);
      try {
        // Nothing escapes: no path in the catalog leaves the share, nothing from /etc was listed.
        expect(escapingPaths(db)).toEqual([]);
        const shown = db.prepare(`SELECT path FROM entry WHERE path LIKE 'names/%' OR path LIKE 'bytes/%' OR path LIKE 'loops/%' OR path LIKE 'escape%' ORDER BY path`).pluck().all() as string[];
        console.log(`catalogued names: ${JSON.stringify(shown)}`);
        // What the catalog stores is what a person can see and export: no control characters, no
        // separators, valid Unicode, at most 255 characters per name.
        for (const p of shown) {
          const name = p.split('/').pop() as string;
          // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
          expect(name, p).not.toMatch(/[\u0000-\u001f\u007f\\]|[\uD800-\uDFFF]/u);
          expect(name.length, p).toBeLessThanOrEqual(255);
        }
        const paths = db.prepare('SELECT path FROM entry').pluck().all() as string[];
        expect(paths.filter((p) => /^escape-(dir|up)\//.test(p) || p.endsWith('/passwd') || p === 'escape-file/passwd')).toEqual([]);
        const passwd = db.prepare(`SELECT path, size FROM entry WHERE path = 'escape-file'`).get() as { path: string; size: number } | undefined;
        if (passwd) expect(passwd.size).toBe(0); // listed as a name at most, never with /etc/passwd's content
        // Bounded walk: at most 100 folders deep, and the loops did not multiply the tree.
        expect(Math.max(...paths.map((p) => p.split('/').length))).toBeLessThanOrEqual(102);
        expect(summary.folders).toBeLessThan(2000);
        // The 200-deep tree is cut at 100 and said so.
        expect(summary.skipped.some((s) => s.path.startsWith('deep/') && /deeper than 100 folders/.test(s.reason))).toBe(true);
        expect(paths).toContain('ok/model.safetensors');
        // Headers that lie: a warning in words, and only kilobytes read for all four.
        const lies = db.prepare(`SELECT path, meta_json FROM entry WHERE path LIKE 'lies/%' ORDER BY path`).all() as Array<{ path: string; meta_json: string | null }>;
        expect(lies).toHaveLength(4);
        for (const l of lies) {
          const meta = JSON.parse(l.meta_json ?? '{}') as { warnings?: string[] };
          expect(meta.warnings?.length ?? 0, l.path).toBeGreaterThan(0);
          for (const w of meta.warnings ?? []) expect(w, l.path).not.toMatch(TECHNICAL);
        }
        expect(summary.bytesRead).toBeLessThan(2 * 1024 * 1024);
      } finally {
        db.close();
      }
      // Every skip names a path inside the share and says why in a sentence.
      expect(summary.skipped.length).toBeGreaterThan(0);
      for (const s of summary.skipped) {
        expect(s.path.startsWith('/') || s.path.split('/').includes('..'), s.path).toBe(false);
        expect(s.reason, s.path).toMatch(PLAIN);
        expect(s.reason, s.path).not.toMatch(TECHNICAL);
      }

      // Once the files stop changing, a rescan catches up with what they hold now.
      const again = await within(SCAN_BOUND_MS, 'rescan', engine.call('sources.scan', { id }));
      expect(again.ok, JSON.stringify(again)).toBe(true);
      const db2 = openReadOnly(dataDir);
      try {
        const { size } = db2.prepare(`SELECT size FROM entry WHERE path = 'growing/log.csv'`).get() as { size: number };
        expect(size).toBe(statSync(path.join(share, 'growing', 'log.csv')).size);
        expect(escapingPaths(db2)).toEqual([]);
      } finally {
        db2.close();
      }
    }, 150_000);
  });
}
