import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test/fake-api';
import { peekSettled, prefetch, takePrefetched } from './prefetch';

describe('prefetched engine answers', () => {
  const input = { versionIds: [1, 2] };
  const json = JSON.stringify(input);

  it('are asked once, used once, and only for the same connection, input and epoch', async () => {
    const api = createFakeApi({});
    api.handle('metrics.keys', async () => ({ ok: true, value: [{ key: 'loss', runIds: [1] }] }));
    const first = prefetch(api, 0, 'metrics.keys', input);
    expect(prefetch(api, 0, 'metrics.keys', input)).toBe(first); // the same request, not a second one
    expect(api.callsTo('metrics.keys')).toHaveLength(1);
    await first;
    expect(peekSettled(api, 'metrics.keys', json, 0)).toEqual({ ok: true, value: [{ key: 'loss', runIds: [1] }] });
    expect(peekSettled(api, 'metrics.keys', json, 1)).toBeUndefined(); // the catalog changed since
    expect(peekSettled(createFakeApi({}), 'metrics.keys', json, 0)).toBeUndefined(); // another connection
    expect(peekSettled(api, 'metrics.keys', JSON.stringify({ versionIds: [2, 1] }), 0)).toBeUndefined();
    await expect(takePrefetched(api, 'metrics.keys', json, 0)).resolves.toMatchObject({ ok: true });
    expect(takePrefetched(api, 'metrics.keys', json, 0)).toBeUndefined(); // used up
  });

  it('hands over a request still on its way', async () => {
    const api = createFakeApi({});
    let answer: (v: unknown) => void = () => {};
    api.handle('metrics.keys', () => new Promise((r) => (answer = r as (v: unknown) => void)));
    void prefetch(api, 3, 'metrics.keys', input);
    expect(peekSettled(api, 'metrics.keys', json, 3)).toBeUndefined();
    const pending = takePrefetched(api, 'metrics.keys', json, 3);
    answer({ ok: true, value: [] });
    await expect(pending).resolves.toEqual({ ok: true, value: [] });
    expect(api.callsTo('metrics.keys')).toHaveLength(1);
  });
});
