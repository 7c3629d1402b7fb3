// The main window's size, position and maximized flag, remembered in userData/window-state.json.
// Pure Node (no 'electron' import) so it is unit-tested; window.ts feeds it the screen's work areas.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface WindowState {
  width: number;
  height: number;
  /** Absent when the OS should place the window (first run, or the saved spot is off every screen). */
  x?: number;
  y?: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WIDTH = 820;
export const MIN_HEIGHT = 520;
const MAX_SIDE = 100_000;
/** How much of the title bar must lie on a screen for a saved position to be reused. */
const MIN_VISIBLE = 48;

function isCoord(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= MAX_SIDE;
}

function isSide(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_SIDE;
}

/** A saved state, or null for anything malformed (a hand-edited or half-written file). */
export function parseWindowState(raw: unknown): WindowState | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const v = raw as Record<string, unknown>;
  if (!isSide(v.width, MIN_WIDTH) || !isSide(v.height, MIN_HEIGHT)) return null;
  const state: WindowState = { width: v.width, height: v.height, maximized: v.maximized === true };
  if (isCoord(v.x) && isCoord(v.y)) {
    state.x = v.x;
    state.y = v.y;
  }
  return state;
}

/**
 * Makes a saved state fit the screens attached now: no bigger than the largest work area, and a
 * position is kept only if a strip of the title bar lands on some screen (a monitor may be gone).
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxWidth = Math.max(...workAreas.map((a) => a.width));
  const maxHeight = Math.max(...workAreas.map((a) => a.height));
  const fitted: WindowState = {
    width: Math.max(MIN_WIDTH, Math.min(state.width, maxWidth)),
    height: Math.max(MIN_HEIGHT, Math.min(state.height, maxHeight)),
    maximized: state.maximized,
  };
  if (state.x === undefined || state.y === undefined) return fitted;
  const { x, y } = state;
  const titleBarVisible = workAreas.some(
    (a) =>
      y >= a.y &&
      y <= a.y + a.height - MIN_VISIBLE &&
      Math.min(x + fitted.width, a.x + a.width) - Math.max(x, a.x) >= MIN_VISIBLE,
  );
  if (titleBarVisible) {
    fitted.x = x;
    fitted.y = y;
  }
  return fitted;
}

export function loadWindowState(userData: string): WindowState {
  try {
    return parseWindowState(JSON.parse(readFileSync(path.join(userData, WINDOW_STATE_FILE), 'utf8'))) ?? { ...DEFAULT_WINDOW_STATE };
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Writes atomically (temp file + rename) so a crash mid-write never leaves a broken file. Never throws. */
export function saveWindowState(userData: string, state: WindowState): boolean {
  const clean = parseWindowState(state);
  if (!clean) return false;
  const file = path.join(userData, WINDOW_STATE_FILE);
  try {
    mkdirSync(userData, { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(clean)}\n`);
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}

/** What to remember about a window: its normal (unmaximized) bounds plus the maximized flag. */
export function stateFromWindow(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    width: Math.round(normalBounds.width),
    height: Math.round(normalBounds.height),
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    maximized,
  };
}
