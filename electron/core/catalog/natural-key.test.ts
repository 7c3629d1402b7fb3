import { describe, expect, it } from 'vitest';
import { naturalKey } from './natural-key';

describe('naturalKey', () => {
  const sorted = (names: string[]) => [...names].sort((a, b) => (naturalKey(a) < naturalKey(b) ? -1 : naturalKey(a) > naturalKey(b) ? 1 : 0));

  it('orders numbers by value wherever they are, and ignores case', () => {
    expect(sorted(['v10', 'v9', 'V1', 'v100', 'v2'])).toEqual(['V1', 'v2', 'v9', 'v10', 'v100']);
    expect(sorted(['checkpoint-1000', 'checkpoint-500', 'checkpoint-50'])).toEqual(['checkpoint-50', 'checkpoint-500', 'checkpoint-1000']);
    expect(sorted(['llama-13b', 'llama-7b', 'llama-70b'])).toEqual(['llama-7b', 'llama-13b', 'llama-70b']);
    expect(sorted(['b', 'A', 'a2', 'a10'])).toEqual(['A', 'a2', 'a10', 'b']);
    expect(sorted(['2024-10-01', '2024-9-30'])).toEqual(['2024-9-30', '2024-10-01']);
  });

  it('treats leading zeros as the same number, and caps very long digit runs', () => {
    expect(naturalKey('v007')).toBe(naturalKey('v7'));
    expect(naturalKey('v0')).toBe('v010');
    const hash = '1'.repeat(150);
    expect(naturalKey(hash).slice(0, 2)).toBe('99');
  });
});
