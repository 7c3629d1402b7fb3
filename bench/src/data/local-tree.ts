// P8's local folder: 1,000,000 files in 10,100 folders (100 × 100 leaf folders of 100 files), written
// with a tight synchronous loop (open + close, empty files; every leaf has a small labels.csv and
// every 100th a config.json the scanner will parse). ~30 k files/s on this machine's ext4.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export const LOCAL_TREE_FILES = 1_000_000;
const VERSION = 'local-tree-v1';

export function localTreeReady(root: string): boolean {
  const marker = `${root}.complete`;
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === VERSION;
}

export function writeLocalTree(root: string, onProgress?: (files: number) => void): { files: number; folders: number; ms: number } {
  const started = performance.now();
  rmSync(`${root}.complete`, { force: true });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  let files = 0;
  let folders = 0;
  for (let a = 0; a < 100; a++) {
    const top = path.join(root, `shard-${String(a).padStart(3, '0')}`);
    mkdirSync(top);
    folders++;
    for (let b = 0; b < 100; b++) {
      const leaf = path.join(top, `seq-${String(b).padStart(3, '0')}`);
      mkdirSync(leaf);
      folders++;
      const labels = openSync(path.join(leaf, 'labels.csv'), 'w');
      writeSync(labels, 'frame,label\n0,cat\n');
      closeSync(labels);
      files++;
      let n = 1;
      if (b === 0) {
        writeFileSync(path.join(leaf, 'config.json'), '{"model_type":"vit","hidden_size":768}');
        files++;
        n++;
      }
      for (; n < 100; n++) {
        closeSync(openSync(path.join(leaf, `frame_${String(n).padStart(5, '0')}.jpg`), 'w'));
        files++;
      }
    }
    onProgress?.(files);
  }
  writeFileSync(`${root}.complete`, VERSION); // beside the tree, not in it
  return { files, folders, ms: performance.now() - started };
}
