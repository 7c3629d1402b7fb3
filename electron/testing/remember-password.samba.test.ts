// "Remember on this computer": with it the password goes to the persistent store (the keychain in
// the app); without it the engine keeps it for this session only, and an engine started later asks
// again. Tested with a real Samba share and a persistent store that records what it was given.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary, Source } from '../../shared/contract';
import { createEngine } from '../core/engine';
import type { CredentialStore } from '../core/engine-api';
import { type SambaServer, startSamba } from './samba';

function recordingStore(): CredentialStore & { saved: Map<number, string> } {
  const saved = new Map<number, string>();
  return {
    saved,
    get: async (id) => saved.get(id) ?? null,
    set: async (id, password) => void saved.set(id, password),
    delete: async (id) => void saved.delete(id),
  };
}

describe('remembering a share password, or not', () => {
  let samba: SambaServer;
  let dataDir: string;

  beforeAll(async () => {
    samba = await startSamba({
      shares: [
        {
          name: 'models',
          seed: async (dir) => {
            await mkdir(path.join(dir, 'notes'), { recursive: true });
            await writeFile(path.join(dir, 'notes', 'readme.txt'), 'hello');
          },
        },
      ],
    });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-remember-'));
  });

  afterAll(async () => {
    await samba?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('remember: false keeps the password for the session only; the next start asks again', async () => {
    const store = recordingStore();
    const engine = await createEngine({ dataDir, credentials: store });
    const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password, remember: false });
    expect(added.ok).toBe(true);
    const source = (added as { value: Source }).value;
    expect(store.saved.size).toBe(0);
    // The session still has it: a scan that reconnects from scratch works.
    const scan = await engine.call('sources.scan', { id: source.id });
    expect(scan.ok && (scan.value as ScanSummary).files).toBe(1);
    await engine.close();

    const later = await createEngine({ dataDir, credentials: store });
    const listed = await later.call('sources.list', {});
    expect(listed.ok && (listed.value as Source[])[0]?.needsPassword).toBe(true);

    // Typing it again with "remember" ticked stores it; unticking later removes the stored copy.
    const remembered = await later.call('sources.setPassword', { id: source.id, password: samba.password });
    expect(remembered.ok).toBe(true);
    expect(store.saved.get(source.id)).toBe(samba.password);
    const sessionOnly = await later.call('sources.setPassword', { id: source.id, password: samba.password, remember: false });
    expect(sessionOnly.ok).toBe(true);
    expect(store.saved.has(source.id)).toBe(false);
    await later.close();
  });

  it('remember defaults to true', async () => {
    const store = recordingStore();
    const engine = await createEngine({ dataDir: path.join(dataDir, 'second'), credentials: store });
    const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password });
    expect(added.ok).toBe(true);
    expect([...store.saved.values()]).toEqual([samba.password]);
    await engine.close();
  });
});
