// Source.writable / readOnlyReason: learnt on each connection, kept in memory (not in the catalog).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Source } from '../../shared/contract';
import { createEngine } from './engine';
import type { Engine } from './engine-api';

// Tests run as root in CI, where W_OK never fails: a flag makes the next local folder opened read-only.
const denyWrites = vi.hoisted(() => ({ on: false }));
vi.mock('./nas/local-source', async (importOriginal) => {
  const mod = await importOriginal<typeof import('./nas/local-source')>();
  return {
    ...mod,
    openLocalSource: async (...args: Parameters<typeof mod.openLocalSource>) => {
      const fs = await mod.openLocalSource(...args);
      return denyWrites.on ? { ...fs, readOnly: true } : fs;
    },
  };
});

describe('Source.writable', () => {
  let dir: string;
  let engine: Engine | null = null;

  beforeEach(async () => {
    denyWrites.on = false;
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-engine-'));
    await mkdir(path.join(dir, 'models'));
  });
  afterEach(async () => {
    await engine?.close();
    engine = null;
    await rm(dir, { recursive: true, force: true });
  });

  async function call<T>(method: string, input: object): Promise<T> {
    const result = await (engine as Engine).call(method as never, input as never);
    if (!result.ok) throw new Error(result.error.message);
    return result.value as T;
  }

  it('is known once connected, unknown before, and refreshed on each connection', async () => {
    const dataDir = path.join(dir, 'data');
    engine = await createEngine({ dataDir });
    const added = await call<Source>('sources.add', { location: path.join(dir, 'models'), name: 'models' });
    expect(added).toMatchObject({ writable: true, readOnlyReason: null });
    await engine.close();

    // A new session: not connected yet, so not known (the renderer treats that as writable).
    denyWrites.on = true;
    engine = await createEngine({ dataDir });
    const [before] = await call<Source[]>('sources.list', {});
    expect(before?.writable).toBeUndefined();
    expect(before?.readOnlyReason).toBeUndefined();

    // The scan connects: the folder is now read-only, with the reason in words.
    await call('sources.scan', { id: added.id });
    const [after] = await call<Source[]>('sources.list', {});
    expect(after?.writable).toBe(false);
    expect(after?.readOnlyReason).toMatch(/^This share is read-only for .+: aliases, stages, tags and notes cannot be saved on models\./);
  });
});
