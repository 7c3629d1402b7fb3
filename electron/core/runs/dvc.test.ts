import { describe, expect, it } from 'vitest';
import { readDvcLineage } from './index';
import { type Files, catalogOf, memoryReader } from './test-helpers';

const dvcYaml = `stages:
  prepare:
    cmd: python src/prepare.py
    deps:
    - src/prepare.py
    - ../../datasets/customer-reviews
    params:
    - prepare.max_len
    outs:
    - data/reviews-prepared
  train:
    cmd: python src/train.py && rm -rf /
    deps:
    - src/train.py
    - data/reviews-prepared
    outs:
    - models/sentiment-distil
    - reports/confusion.png:
        cache: false
    metrics:
    - dvclive/metrics.json:
        cache: false
  evaluate:
    cmd: python src/eval.py
    wdir: reports
    deps:
    - ../models/sentiment-distil
    outs:
    - scores.json
  per_fold:
    foreach: [1, 2]
    do:
      cmd: echo \${item}
`;
const dvcLock = `schema: '2.0'
stages:
  prepare:
    cmd: python src/prepare.py
    deps:
    - path: ../../datasets/customer-reviews
      hash: md5
      md5: 0123456789abcdef0123456789abcdef.dir
      size: 1000
      nfiles: 3
    - path: src/prepare.py
      md5: aa
      size: 10
    outs:
    - path: data/reviews-prepared
      md5: fedcba9876543210fedcba9876543210.dir
      size: 500
      nfiles: 2
  train:
    cmd: python src/train.py
    deps:
    - path: data/reviews-prepared
      md5: fedcba9876543210fedcba9876543210.dir
    outs:
    - path: models/sentiment-distil
      md5: 11112222333344445555666677778888.dir
`;

describe('readDvcLineage', () => {
  it('links stage deps to outs from dvc.lock, and dvc.yaml stages the lock does not have', async () => {
    const files: Files = {
      'projects/rs/dvc.yaml': dvcYaml,
      'projects/rs/dvc.lock': dvcLock,
      'projects/rs/src/train.py': 'import os; os.system("never run")',
      'projects/rs/data/raw.csv.dvc': 'outs:\n- md5: 22\n  size: 5\n  path: raw.csv\n',
      'projects/rs/data/imdb.dvc': 'deps:\n- path: datasets/imdb\n  repo:\n    url: https://example.com/org/registry\n    rev_lock: abc\nouts:\n- path: imdb\n',
      '.dvc/config': '[core]\n',
    };
    const hints = await readDvcLineage(memoryReader(files), catalogOf(files));
    expect(hints).toEqual([
      { from: 'datasets/customer-reviews', to: 'projects/rs/data/reviews-prepared', relation: 'derived-from', evidence: 'from dvc.lock stage prepare' },
      { from: 'projects/rs/data/reviews-prepared', to: 'projects/rs/models/sentiment-distil', relation: 'trained-on', evidence: 'from dvc.lock stage train' },
      { from: 'projects/rs/models/sentiment-distil', to: 'projects/rs/reports/scores.json', relation: 'derived-from', evidence: 'from dvc.yaml stage evaluate' },
      { from: 'external:https://example.com/org/registry/datasets/imdb', to: 'projects/rs/data/imdb', relation: 'derived-from', evidence: 'from imdb.dvc (dvc import)' },
    ]);
  });

  it('uses dvc.yaml alone, names paths outside the share as external, and ignores broken files', async () => {
    const files: Files = {
      'dvc.yaml': 'stages:\n  train:\n    deps: [/mnt/raw/data.csv, data/train.parquet]\n    outs: [model.pkl]\n',
      'broken/dvc.yaml': 'stages: [unclosed\n',
      'hostile/dvc.lock': 'stages: !!python/object/apply:os.system ["rm -rf /"]\n',
    };
    const hints = await readDvcLineage(memoryReader(files), catalogOf(files));
    expect(hints).toEqual([
      { from: 'external:/mnt/raw/data.csv', to: 'model.pkl', relation: 'trained-on', evidence: 'from dvc.yaml stage train' },
      { from: 'data/train.parquet', to: 'model.pkl', relation: 'trained-on', evidence: 'from dvc.yaml stage train' },
    ]);
  });

  it('propagates a failing source unchanged', async () => {
    const boom = new Error('share went away');
    const src = { list: async () => [], read: async () => { throw boom; } };
    await expect(readDvcLineage(src, catalogOf({ 'dvc.lock': 'x' }))).rejects.toBe(boom);
  });
});
