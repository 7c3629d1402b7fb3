import { describe, expect, it } from 'vitest';
import { Catalog, type GroupedItem, type GroupedVersion } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import { AnnotationStore } from './annotations/store';
import { resolveRef } from './model-ref';

const version = (label: string, patch: Partial<GroupedVersion> = {}): GroupedVersion => ({
  label,
  path: `p/${label}`,
  createdMs: 1,
  format: 'safetensors',
  stage: null,
  aliases: [],
  meta: {},
  files: [],
  ...patch,
});
const item = (name: string, patch: Partial<GroupedItem> = {}): GroupedItem => ({
  kind: 'model',
  name,
  path: `models/${name}`,
  layout: 'folder',
  format: 'safetensors',
  versions: [version('v1')],
  ...patch,
});

describe('resolveRef', () => {
  function catalog(): Catalog {
    const c = new Catalog(openCatalogDb(':memory:'));
    const a = c.insertSource({ name: 'nas', kind: 'local', url: '/nas', rootPath: '/nas' }).id;
    const b = c.insertSource({ name: 'usb', kind: 'local', url: '/usb', rootPath: '/usb' }).id;
    c.replaceItems(a, 1, [
      item('Churn-Classifier', { versions: [version('2', { stage: 'Staging' }), version('3', { aliases: ['champion'] })] }), // oldest first
      item('resnet-v1'),
      item('resnet-v01', { path: 'models/old/resnet-v01' }),
      item('shelf-yolo'),
      item('shelf-yolo', { kind: 'dataset', path: 'data/shelf-yolo' }),
      item('twin'),
    ]);
    c.replaceItems(b, 1, [item('twin')]);
    return c;
  }

  it('finds a model by name in any case, or by path, and a version by label, alias, stage or latest', () => {
    const c = catalog();
    expect(resolveRef(c, 'churn-classifier@3')).toMatchObject({ item: { name: 'Churn-Classifier' }, versionLabel: '3' });
    expect(resolveRef(c, 'CHURN-CLASSIFIER@champion').versionLabel).toBe('3');
    expect(resolveRef(c, 'churn-classifier@staging').versionLabel).toBe('2');
    expect(resolveRef(c, 'churn-classifier@latest').versionLabel).toBe('3');
    expect(resolveRef(c, 'models/Churn-Classifier').versionId).toBeNull();
    // names that sort alike are still different names
    expect(resolveRef(c, 'resnet-v1').item.path).toBe('models/resnet-v1');
    expect(resolveRef(c, 'resnet-v01').item.path).toBe('models/old/resnet-v01');
  });

  it("an alias the team set wins over MLflow's alias of the same name on another version", () => {
    const c = catalog();
    const nas = resolveRef(c, 'churn-classifier').item.sourceId;
    // MLflow says champion is on 3; the team moved champion to 2.
    const event = { id: 'e1', at: '2026-01-01T00:00:00.000Z', atMs: Date.parse('2026-01-01'), who: 'ana', machine: 'm1', action: 'alias.set' as const };
    new AnnotationStore(c.db).apply(nas, [{ file: 'm1.jsonl', known: null, events: [{ ...event, target: { itemKind: 'model', itemPath: 'models/Churn-Classifier', versionLabel: '2' }, value: 'champion' }], badLines: 0 }], ['m1.jsonl']);
    expect(resolveRef(c, 'churn-classifier@champion').versionLabel).toBe('2');
  });

  it('prefers the model when a dataset has its name, and says which items a name matches', () => {
    const c = catalog();
    expect(resolveRef(c, 'shelf-yolo').item.kind).toBe('model');
    expect(resolveRef(c, 'shelf-yolo', 'dataset').item.path).toBe('data/shelf-yolo');
    expect(() => resolveRef(c, 'twin')).toThrow(/"twin" matches 2 items \(nas:models\/twin, usb:models\/twin\)/);
    expect(() => resolveRef(c, 'nothing')).toThrow(/No model or dataset is called "nothing"/);
    expect(() => resolveRef(c, 'churn-classifier@9')).toThrow(/has no version, alias or stage "9"/);
  });
});
