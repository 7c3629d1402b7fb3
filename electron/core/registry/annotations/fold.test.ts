import { describe, expect, it } from 'vitest';
import { type Action, eventLine, type LinkValue, parseEventLine, parseLog, type TeamEvent } from './events';
import { foldEvents, orderEvents } from './fold';

let n = 0;
function ev(action: Action, value: string | LinkValue, versionLabel?: string, atMs = 1_000 + n, who = 'ana', id = `e${String(++n).padStart(4, '0')}`): TeamEvent {
  return {
    id,
    at: new Date(atMs).toISOString(),
    atMs,
    who,
    machine: `${who}-pc`,
    action,
    target: { itemPath: 'mlruns/models/churn', itemKind: 'model', ...(versionLabel ? { versionLabel } : {}) },
    value,
  };
}

const state = (events: TeamEvent[]) =>
  foldEvents(events).annotations.map((a) => `${a.kind}:${a.value}${a.relation ? `(${a.relation})` : ''}@${a.versionLabel ?? '-'}`);

describe('event lines', () => {
  it('round-trips the documented fields and nothing else', () => {
    const e = ev('alias.set', 'production', '3');
    const line = eventLine(e);
    expect(line.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(line))).toEqual(['id', 'at', 'who', 'machine', 'action', 'target', 'value']);
    expect(parseEventLine(line)).toEqual(e);
  });

  it('skips what it does not understand and counts it', () => {
    const good = eventLine(ev('tag.add', 'nlp'));
    const text = [
      good.trim(),
      '{"id":"x","at":"not a date","who":"a","machine":"m","action":"tag.add","target":{"itemPath":"p","itemKind":"model"},"value":"t"}',
      '{"id":"y","at":"2026-01-01T00:00:00.000Z","who":"a","machine":"m","action":"teleport","target":{"itemPath":"p","itemKind":"model"},"value":"t"}',
      '{"id":"z","at":"2026-01-01T00:00:00.000Z","who":"a","machine":"m","action":"alias.set","target":{"itemPath":"p","itemKind":"model"},"value":"prod"}',
      '{"id":"w","at":"2026-01-01T00:00:00.000Z","who":"a","machine":"m","action":"link.add","target":{"itemPath":"p","itemKind":"model"},"value":"x"}',
      '{"truncated":',
      '',
    ].join('\n');
    const { events, badLines } = parseLog(text);
    expect(events).toHaveLength(1);
    expect(badLines).toBe(5);
  });
});

describe('foldEvents', () => {
  it('an alias names one version: setting it elsewhere moves it (a rollback is one event)', () => {
    const events = [ev('alias.set', 'production', '5'), ev('alias.set', 'staging', '5'), ev('alias.set', 'production', '3')];
    expect(state(events)).toEqual(['alias:staging@5', 'alias:production@3']);
    const { summaries } = foldEvents(events);
    expect(summaries.get(events[2]?.id as string)).toBe('ana moved production from 5 to 3 of churn');
  });

  it('remembers where a moved alias was just before (and only for moves)', () => {
    const events = [
      ev('alias.set', 'production', '5'),
      ev('alias.set', 'staging', '5'),
      ev('alias.set', 'production', '3'),
      ev('alias.set', 'production', '3'),
      ev('alias.remove', 'production', '3'),
      ev('alias.set', 'production', '4'),
    ];
    const { previousVersions } = foldEvents(events);
    expect([...previousVersions]).toEqual([[events[2]?.id, '5']]);
  });

  it('a remove that does not match the current state changes nothing', () => {
    const events = [ev('alias.set', 'production', '2'), ev('alias.set', 'production', '3'), ev('alias.remove', 'production', '2')];
    expect(state(events)).toEqual(['alias:production@3']);
    expect(foldEvents(events).summaries.get(events[2]?.id as string)).toMatch(/no effect: it is on 3/);
    expect(state([...events, ev('alias.remove', 'production', '3')])).toEqual([]);
  });

  it('one stage per version; tags are sets; notes are removed by id; links by relation and target', () => {
    const note = ev('note.add', 'Retrained on Q3 data', '3');
    const events = [
      ev('stage.set', 'Staging', '3'),
      ev('stage.set', 'Production', '3'),
      ev('stage.clear', 'Staging', '3'),
      ev('tag.add', 'nlp'),
      ev('tag.add', 'nlp'),
      ev('tag.add', 'legacy'),
      ev('tag.remove', 'legacy'),
      note,
      ev('note.add', 'second', '3'),
      ev('note.remove', note.id, '3'),
      ev('link.add', { relation: 'trained-on', to: 'dataset:datasets/reviews@' }, '3'),
      ev('link.add', { relation: 'fine-tuned-from', to: 'external:bert-base' }, '3'),
      ev('link.remove', { relation: 'fine-tuned-from', to: 'external:bert-base' }, '3'),
    ];
    expect(state(events)).toEqual(['stage:Production@3', 'tag:nlp@-', 'note:second@3', 'link:dataset:datasets/reviews@(trained-on)@3']);
  });

  it('is the same whatever order the logs were read in, and counts a copied event once', () => {
    const a = Array.from({ length: 40 }, (_, i) => ev(i % 3 ? 'alias.set' : 'tag.add', i % 2 ? 'production' : 'staging', String(i % 4), 5_000 + i * 3, 'ana'));
    const b = Array.from({ length: 40 }, (_, i) => ev(i % 3 ? 'alias.set' : 'tag.add', i % 2 ? 'staging' : 'production', String(i % 5), 5_000 + i * 3, 'ben'));
    const reference = foldEvents([...a, ...b]).annotations;
    for (let seed = 1; seed < 6; seed++) {
      const shuffled = [...b, ...a, ...a.slice(0, 7)].sort((x, y) => ((x.id.charCodeAt(3) * seed) % 7) - ((y.id.charCodeAt(3) * seed) % 7));
      expect(foldEvents(shuffled).annotations).toEqual(reference);
    }
    // equal times are ordered by id, so both readers agree
    const t1 = ev('alias.set', 'production', '1', 9_000, 'ana', 'b-id');
    const t2 = ev('alias.set', 'production', '2', 9_000, 'ben', 'a-id');
    expect(orderEvents([t1, t2]).map((e) => e.id)).toEqual(['a-id', 'b-id']);
    expect(state([t1, t2])).toEqual(['alias:production@1']);
  });
});
