import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { Insights } from '../catalog/insights';
import { openCatalogDb } from '../catalog/open';
import { openLocalSource } from '../nas/local-source';
import { runScan } from './scanner';

async function put(root: string, rel: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), data);
}

function safetensors(): Buffer {
  const json = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(16)]);
}

describe('lineage and search after a scan', () => {
  let root: string;
  let catalog: Catalog;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-lineage-'));
    await put(root, 'models/base-bert/config.json', JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] }));
    await put(root, 'models/base-bert/model.safetensors', safetensors());
    await put(root, 'models/reviews-bert/config.json', JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'] }));
    await put(root, 'models/reviews-bert/model.safetensors', safetensors());
    await put(
      root,
      'models/reviews-bert/README.md',
      '---\nlicense: mit\nbase_model: acme/base-bert\ndatasets:\n  - customer-reviews\n  - imdb\ntags: [sentiment]\n---\n# Reviews BERT\n',
    );
    await put(root, 'models/reviews-lora/adapter_config.json', JSON.stringify({ base_model_name_or_path: 'google-bert/bert-base-uncased', peft_type: 'LORA' }));
    await put(root, 'models/reviews-lora/adapter_model.safetensors', safetensors());
    await put(root, 'datasets/customer-reviews/train.parquet', 'not really parquet');
    catalog = new Catalog(openCatalogDb(':memory:'));
    catalog.insertSource({ name: 't', kind: 'local', url: root, rootPath: root });
    await runScan({ catalog, source: await openLocalSource(root), sourceId: 1, signal: new AbortController().signal });
  });

  afterAll(async () => {
    catalog.close();
    await rm(root, { recursive: true, force: true });
  });

  const idOf = (name: string) => catalog.listLibrary({}).find((i) => i.name === name)?.id as number;

  it('links a card base_model to a model on the same share, datasets to dataset items, unknown ones as external', () => {
    const graph = new Insights(catalog.db).lineage(idOf('reviews-bert'));
    const label = (ref: string) => graph.nodes.find((n) => n.id === ref)?.label;
    const edges = graph.edges.filter((e) => e.relation !== 'derived-from').map((e) => `${label(e.from)} -${e.relation}-> ${label(e.to)} (${e.evidence})`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'base-bert -fine-tuned-from-> reviews-bert current (model card base_model)',
        'customer-reviews -trained-on-> reviews-bert current (model card datasets)',
        'imdb -trained-on-> reviews-bert current (model card datasets)',
      ]),
    );
    expect(graph.nodes.find((n) => n.label === 'imdb')?.kind).toBe('external');
    expect(graph.nodes.find((n) => n.label === 'customer-reviews')?.kind).toBe('dataset');
  });

  it('links a PEFT adapter to its base model', () => {
    const graph = new Insights(catalog.db).lineage(idOf('reviews-lora'));
    expect(graph.edges.some((e) => e.relation === 'adapter-of' && e.from === 'external:google-bert/bert-base-uncased')).toBe(true);
  });

  it('finds items by words from their cards and configs, by prefix, and by fragments of names', () => {
    const names = (q: string) => catalog.listLibrary({ query: q }).map((i) => i.name).sort();
    expect(names('sentiment')).toEqual(['reviews-bert']);
    expect(names('SequenceClass')).toEqual([]); // mid-word fragments only match names and paths
    expect(names('BertForSequenceClassification')).toEqual(['reviews-bert']);
    expect(names('revi')).toEqual(['customer-reviews', 'reviews-bert', 'reviews-lora']);
    expect(names('view')).toEqual(['customer-reviews', 'reviews-bert', 'reviews-lora']);
    expect(names('bert mit')).toEqual(['reviews-bert']);
    expect(names('"; DROP TABLE item; --')).toEqual([]);
  });
});
