import { describe, expect, it } from 'vitest';
import { metadataRows, safetyOf } from './metadata';

describe('metadata', () => {
  it('reads the engine safety verdicts and never calls an unknown word safe', () => {
    expect(safetyOf({ safety: { verdict: 'safe', globals: [], dangerous: [], complete: true } })).toEqual({
      level: 'safe',
      verdict: 'safe',
      detail: null,
    });
    expect(safetyOf({ safety: { verdict: 'dangerous', dangerous: ['builtins.eval', 'os.system'] } })).toMatchObject({
      level: 'caution',
      detail: 'builtins.eval, os.system',
    });
    expect(safetyOf({ safety: { verdict: 'unknown', complete: false } })?.level).toBe('unknown');
    expect(safetyOf({ 'safety.verdict': 'weird' })?.level).toBe('caution');
    expect(safetyOf({ architecture: 'llama' })).toBeNull();
  });

  it('flattens nested metadata into dotted rows', () => {
    expect(metadataRows({ a: 1234, b: { c: true, d: ['x', 'y'] }, e: null })).toEqual([
      { key: 'a', value: '1,234' },
      { key: 'b.c', value: 'yes' },
      { key: 'b.d', value: 'x, y' },
      { key: 'e', value: '—' },
    ]);
  });
});
