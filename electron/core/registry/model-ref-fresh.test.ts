// library.resolve (what the CLI's name@alias goes through) reads the team's logs on the share
// again before it resolves an alias or stage: the CLI has no live updates, and "export
// churn@production" must export the version a colleague moved production to a minute ago.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { memorySource } from '../export/memory-source';
import { inspectHandlers } from '../rpc/inspect-handlers';
import { EVENTS_DIR, eventLine } from './annotations/events';
import { testContext, version } from './annotations/test-support';

const ITEMS = [
  {
    kind: 'model' as const,
    name: 'churn',
    path: 'models/churn',
    layout: 'folder',
    format: 'safetensors',
    versions: [version('1', 'models/churn/1', [['models/churn/1/m.safetensors', 10]]), version('2', 'models/churn/2', [['models/churn/2/m.safetensors', 10]])],
  },
];

function benMoves(atMs: number, label: string, id: string): string {
  return eventLine({
    id,
    at: new Date(atMs).toISOString(),
    atMs,
    who: 'ben',
    machine: 'ben-pc-00000009',
    action: 'alias.set',
    target: { itemPath: 'models/churn', itemKind: 'model', versionLabel: label },
    value: 'production',
  });
}

describe('library.resolve', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('reads the team’s logs again before resolving an alias, and falls back to the catalog when the share is away', async () => {
    const share = memorySource({});
    const log = `${EVENTS_DIR}/ben-pc-00000009.jsonl`;
    share.dirs.add('.modelshelf').add(EVENTS_DIR);
    share.files.set(log, { data: new TextEncoder().encode(benMoves(Date.UTC(2026, 0, 1), '1', 'b1')), mtimeMs: 1 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-ref-'));
    dirs.push(dir);
    const ctx = testContext(dir, share, ITEMS);
    const resolve = inspectHandlers(ctx)['library.resolve'];
    expect(await resolve({ ref: 'churn@production' })).toMatchObject({ versionLabel: '1' });
    // Ben moves production to 2 on his desktop; nothing else told this catalog.
    share.files.set(log, { data: new TextEncoder().encode(benMoves(Date.UTC(2026, 0, 1), '1', 'b1') + benMoves(Date.UTC(2026, 0, 2), '2', 'b2')), mtimeMs: 2 });
    expect(await resolve({ ref: 'churn@production' })).toMatchObject({ versionLabel: '2' });
    // A version named by its label needs no trip to the share; away, an alias is as last read.
    let trips = 0;
    ctx.sources.open = async () => {
      trips++;
      throw new EngineError('UNREACHABLE', 'The NAS does not answer.');
    };
    expect(await resolve({ ref: 'churn@1' })).toMatchObject({ versionLabel: '1' });
    expect(await resolve({ ref: 'churn@latest' })).toMatchObject({ versionLabel: '2' });
    expect(trips).toBe(0);
    expect(await resolve({ ref: 'churn@production' })).toMatchObject({ versionLabel: '2' });
    expect(trips).toBe(1);
  });
});
