import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder, ignoresCase, removeAllBut } from './local-fs';

describe('removeAllBut', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('keeps the listed files however the disk spells their accents (decomposed), and deletes the rest — case told apart on a disk that does', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-keep-'));
    dirs.push(dir);
    const composed = 'données/modèle.safetensors'; // as the share names it (NFC)
    await mkdir(path.join(dir, 'données'.normalize('NFD')), { recursive: true });
    await writeFile(path.join(dir, ...composed.normalize('NFD').split('/')), 'w'); // as macOS lists it
    await writeFile(path.join(dir, 'README.md'), 'card');
    await writeFile(path.join(dir, 'readme.md'), 'a leftover only case tells apart (this disk does)');
    await writeFile(path.join(dir, 'stray.tmp-1-x'), '');
    await mkdir(path.join(dir, 'gone'));
    await writeFile(path.join(dir, 'gone', 'old.bin'), '');
    expect(await ignoresCase(dir)).toBe(false); // Linux ext4/tmpfs
    await removeAllBut(dir, new Set([composed, 'README.md']));
    expect((await filesUnder(dir)).map((p) => p.normalize('NFC')).sort()).toEqual(['README.md', composed]);
  });
});
