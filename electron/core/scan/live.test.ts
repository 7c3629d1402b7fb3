import { describe, expect, it, vi } from 'vitest';
import type { FileSource, SourceChange } from '../nas/file-source';
import { LiveUpdates } from './live';

function watchableSource() {
  let emit: ((c: SourceChange) => void) | null = null;
  let stopped = 0;
  const source = {
    kind: 'local',
    label: 'mem',
    list: async () => [],
    stat: async () => ({ name: '', isDir: true, size: 0, mtimeMs: 0 }),
    read: async () => new Uint8Array(),
    counters: () => ({ requests: 0, roundTrips: 0, bytesRead: 0 }),
    close: async () => {},
    watch: async (_dir: string, onChange: (c: SourceChange) => void) => {
      emit = onChange;
      return async () => {
        stopped++;
        emit = null;
      };
    },
  } as FileSource;
  return { source, emit: (c: SourceChange) => emit?.(c), stopped: () => stopped };
}

describe('LiveUpdates', () => {
  it('turns a burst of changes into one rescan after the debounce', async () => {
    vi.useFakeTimers();
    const s = watchableSource();
    const rescan = vi.fn(async () => {});
    const live = new LiveUpdates({ debounceMs: 300, periodicMs: 60_000, open: async () => s.source, rescan });
    await live.follow(1);
    expect(live.isWatching(1)).toBe(true);
    for (let i = 0; i < 50; i++) s.emit({ kind: 'added', path: `runs/ckpt-${i}.pt` });
    await vi.advanceTimersByTimeAsync(299);
    expect(rescan).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2);
    expect(rescan).toHaveBeenCalledTimes(1);
    expect(rescan.mock.calls[0]).toEqual([1, 'added runs/ckpt-49.pt']);
    await live.close();
    vi.useRealTimers();
  });

  it('rescans periodically even without notifications, and stops when unfollowed', async () => {
    vi.useFakeTimers();
    const s = watchableSource();
    const rescan = vi.fn(async () => {});
    const live = new LiveUpdates({ debounceMs: 10, periodicMs: 1000, open: async () => s.source, rescan });
    await live.follow(7);
    await vi.advanceTimersByTimeAsync(1001);
    expect(rescan).toHaveBeenCalledWith(7, 'periodic safety rescan');
    await live.unfollow(7);
    expect(s.stopped()).toBe(1);
    rescan.mockClear();
    s.emit({ kind: 'modified', path: 'x' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(rescan).not.toHaveBeenCalled();
    vi.useRealTimers();
  });

  it('ignores changes the filter rejects (our own sidecar temp files)', async () => {
    vi.useFakeTimers();
    const s = watchableSource();
    const rescan = vi.fn(async () => {});
    const live = new LiveUpdates({ debounceMs: 10, open: async () => s.source, rescan, ignore: (c) => c.path.startsWith('.modelshelf/tmp') });
    await live.follow(1);
    s.emit({ kind: 'added', path: '.modelshelf/tmp/abc' });
    await vi.advanceTimersByTimeAsync(100);
    expect(rescan).not.toHaveBeenCalled();
    await live.close();
    vi.useRealTimers();
  });
});
