// A colleague saves a new model on the NAS through their own SMB connection: it appears in the
// catalog without anyone pressing "rescan" (change notification → debounced incremental rescan).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryItem, Source } from '../../shared/contract';
import { writeDemoLibrary } from '../core/demo/generate';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { openSmbSource } from '../core/nas/smb-file-source';
import { type SambaServer, startSamba } from './samba';

describe('live updates over SMB', () => {
  let samba: SambaServer;
  let engine: Engine;
  let dataDir: string;
  let gguf: Buffer;

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] });
    gguf = await readFile(path.join(samba.sharePath('models'), 'gguf', 'tiny-llama-chat-Q4_K_M.gguf'));
    const { mkdtemp } = await import('node:fs/promises');
    dataDir = await mkdtemp(path.join((await import('node:os')).tmpdir(), 'ms-live-'));
    engine = await createEngine({ dataDir, live: { debounceMs: 200, periodicMs: 3_600_000 } });
  });

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
  });

  it('a model written by another client shows up by itself', async () => {
    const added = (await engine.call('sources.add', { location: samba.url('models'), password: samba.password })) as { ok: true; value: Source };
    expect(added.ok).toBe(true);
    expect((await engine.call('sources.scan', { id: added.value.id })).ok).toBe(true);
    const names = async () => ((await engine.call('library.list', { kind: 'model' })) as { value: LibraryItem[] }).value.map((i) => i.name);
    expect(await names()).not.toContain('colleague-model');

    // The watcher is armed right after the first successful scan; give it a moment to register.
    const changed = new Promise<number>((resolve) => {
      const off = engine.onEvent((e) => {
        if (e.event === 'scan.finished') {
          off();
          resolve(Date.now());
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const colleague = await openSmbSource({ host: '127.0.0.1', port: samba.port, share: 'models', user: samba.user, password: samba.password });
    const t0 = Date.now();
    await colleague.mkdir?.('shared-drop');
    await colleague.writeFile?.('shared-drop/colleague-model.gguf', gguf, { overwrite: false });
    await colleague.close();

    const doneAt = await Promise.race([changed, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no rescan within 10 s')), 10_000))]);
    expect(await names()).toContain('colleague-model');
    const latency = doneAt - t0;
    console.log(`[live] new file on the share → in the catalog after ${latency} ms`);
    expect(latency).toBeLessThan(5_000);
  });
});
