import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
  stateFromWindow,
  WINDOW_STATE_FILE,
} from './window-state';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ms-winstate-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const screen = { x: 0, y: 0, width: 1920, height: 1050 };

describe('parseWindowState', () => {
  it('accepts a full state and drops unknown keys', () => {
    expect(parseWindowState({ width: 1000, height: 700, x: 10, y: -5, maximized: true, evil: 1 })).toEqual({
      width: 1000,
      height: 700,
      x: 10,
      y: -5,
      maximized: true,
    });
  });

  it('keeps a position only when both coordinates are valid', () => {
    expect(parseWindowState({ width: 1000, height: 700, x: 10 })).toEqual({ width: 1000, height: 700, maximized: false });
    expect(parseWindowState({ width: 1000, height: 700, x: 1.5, y: 2 })).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it.each([null, [], 'x', { width: 100, height: 700 }, { width: 1000, height: 'big' }, { width: 1e9, height: 700 }, { width: Number.NaN, height: 700 }])(
    'refuses %j',
    (raw) => {
      expect(parseWindowState(raw)).toBeNull();
    },
  );
});

describe('fitToDisplays', () => {
  it('keeps a window that is on screen', () => {
    const state = { width: 1200, height: 800, x: 100, y: 50, maximized: false };
    expect(fitToDisplays(state, [screen])).toEqual(state);
  });

  it('forgets the position when the monitor it was on is gone', () => {
    const state = { width: 1200, height: 800, x: 3000, y: 50, maximized: true };
    expect(fitToDisplays(state, [screen])).toEqual({ width: 1200, height: 800, maximized: true });
  });

  it('forgets the position when the title bar would be above or below every screen', () => {
    expect(fitToDisplays({ width: 1200, height: 800, x: 0, y: -200, maximized: false }, [screen]).x).toBeUndefined();
    expect(fitToDisplays({ width: 1200, height: 800, x: 0, y: 1040, maximized: false }, [screen]).x).toBeUndefined();
  });

  it('keeps a position on a second monitor and shrinks to the largest screen', () => {
    const second = { x: 1920, y: 0, width: 1280, height: 1000 };
    expect(fitToDisplays({ width: 5000, height: 3000, x: 2000, y: 10, maximized: false }, [screen, second])).toEqual({
      width: 1920,
      height: 1050,
      x: 2000,
      y: 10,
      maximized: false,
    });
  });

  it('never goes under the minimum size and leaves the state alone without screens', () => {
    expect(fitToDisplays({ width: 1000, height: 700, maximized: false }, [{ x: 0, y: 0, width: 640, height: 480 }])).toEqual({
      width: 820,
      height: 520,
      maximized: false,
    });
    const state = { width: 1000, height: 700, x: 5, y: 5, maximized: false };
    expect(fitToDisplays(state, [])).toBe(state);
  });
});

describe('loadWindowState / saveWindowState', () => {
  it('returns the defaults on first run and for a broken file', () => {
    const dir = tempDir();
    expect(loadWindowState(dir)).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(path.join(dir, WINDOW_STATE_FILE), '{"width": 12');
    expect(loadWindowState(dir)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('round-trips through userData and writes no temp file behind', () => {
    const dir = path.join(tempDir(), 'not-yet-created');
    const state = stateFromWindow({ x: 10.4, y: 20.6, width: 1100.2, height: 700 }, true);
    expect(saveWindowState(dir, state)).toBe(true);
    expect(loadWindowState(dir)).toEqual({ width: 1100, height: 700, x: 10, y: 21, maximized: true });
    expect(JSON.parse(readFileSync(path.join(dir, WINDOW_STATE_FILE), 'utf8'))).toEqual(loadWindowState(dir));
  });

  it('refuses to save a malformed state and does not throw when the folder is unwritable', () => {
    const dir = tempDir();
    expect(saveWindowState(dir, { width: 10, height: 10, maximized: false })).toBe(false);
    writeFileSync(path.join(dir, 'file'), '');
    expect(saveWindowState(path.join(dir, 'file', 'sub'), DEFAULT_WINDOW_STATE)).toBe(false);
  });
});
