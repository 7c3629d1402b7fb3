import { describe, expect, it } from 'vitest';
import { detectRuns, readRun } from './index';
import { type Files, catalogOf, memoryReader } from './test-helpers';

const RUN = 'mlruns/1/0123456789abcdef0123456789abcdef';
const DS = 'ffeeddccbbaa99887766554433221100';

function store(overrides: Files = {}): Files {
  return {
    'mlruns/1/meta.yaml': 'artifact_location: file:///mnt/share/mlruns/1\nexperiment_id: \'1\'\nname: churn\n',
    [`${RUN}/meta.yaml`]: [
      `artifact_uri: file:///mnt/share/${RUN}/artifacts`,
      'end_time: 1780000900000',
      'lifecycle_stage: active',
      `run_id: ${RUN.slice(9)}`,
      'run_name: bold-owl-417',
      'start_time: 1780000000000',
      'status: 3',
      'user_id: maria',
      '',
    ].join('\n'),
    [`${RUN}/params/learning_rate`]: '0.1',
    [`${RUN}/params/model/depth`]: '4\n',
    [`${RUN}/tags/mlflow.runName`]: 'bold-owl-417',
    [`${RUN}/tags/mlflow.parentRunId`]: 'aaaabbbb',
    [`${RUN}/metrics/loss`]: '1780000000000 0.69 0\n1780000012000 0.5 1\n1780000024000 0.4 2\n',
    [`${RUN}/metrics/old_style`]: '1780000000000 7\n1780000001000 8\n',
    [`${RUN}/metrics/val/acc`]: '1780000024000 0.8 2\n',
    [`${RUN}/metrics/diverged`]: '1 0.5 0\n2 nan 1\n3 inf 2\n4 -inf 3\ngarbage line here x y\n5 0.1 4\n',
    [`${RUN}/inputs/11112222/meta.yaml`]: `destination_id: x\ndestination_type: RUN\nsource_id: ${DS}\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n`,
    [`mlruns/1/datasets/${DS}/meta.yaml`]: `digest: 1a2b3c4d\nname: sales-2025\nsource: '{"uri": "/mnt/share/datasets/sales-2025.csv"}'\nsource_type: local\n`,
    [`${RUN}/artifacts/model/MLmodel`]: 'artifact_path: model\nflavors:\n  python_function: {}\n  sklearn:\n    pickled_model: model.pkl\nmlflow_version: 2.17.2\n',
    [`${RUN}/artifacts/model/model.pkl`]: new Uint8Array([0x80, 0x04, 0x2e]),
    ...overrides,
  };
}

describe('readRun mlflow', () => {
  it('reads meta, params, tags, metrics (3- and 2-field lines, subfolder keys), inputs and MLmodel outputs', async () => {
    const files = store();
    const [run] = detectRuns(catalogOf(files));
    expect(run?.format).toBe('mlflow');
    const src = memoryReader(files);
    const r = await readRun(src, run!);
    expect(r).toMatchObject({ format: 'mlflow', name: 'bold-owl-417', status: 'FINISHED', startedMs: 1780000000000, endedMs: 1780000900000 });
    expect(r.params).toEqual({ learning_rate: '0.1', 'model/depth': '4' });
    expect(r.tags).toEqual({ 'mlflow.runName': 'bold-owl-417', 'mlflow.parentRunId': 'aaaabbbb', 'mlflow.user': 'maria' });
    expect(r.metrics.loss).toEqual([
      { step: 0, wallMs: 1780000000000, value: 0.69 },
      { step: 1, wallMs: 1780000012000, value: 0.5 },
      { step: 2, wallMs: 1780000024000, value: 0.4 },
    ]);
    expect(r.metrics.old_style?.map((p) => [p.step, p.value])).toEqual([[0, 7], [0, 8]]);
    expect(r.metrics['val/acc']).toHaveLength(1);
    expect(r.metrics.diverged?.map((p) => p.value)).toEqual([0.5, 0.1]);
    expect(r.warnings.sort()).toEqual(['diverged: 3 non-finite values (NaN or Inf) left out', 'metrics/diverged: 1 unreadable line skipped']);
    expect(r.inputs).toEqual([{ name: 'sales-2025', digest: '1a2b3c4d', path: 'datasets/sales-2025.csv', evidence: 'MLflow dataset input (training)' }]);
    expect(r.outputs).toEqual([{ path: `${RUN}/artifacts/model`, evidence: "MLmodel in the run's artifacts (sklearn)" }]);
    // the pickle beside MLmodel is never read
    expect(src.bytesRead).toBeLessThan(4096);
  });

  it('maps status codes, falls back to tags for the name, and leaves sources outside the share unresolved', async () => {
    const files = store({
      [`${RUN}/meta.yaml`]: 'status: 4\nstart_time: 17\nend_time: null\nartifact_uri: s3://bucket/x\n',
      [`mlruns/1/datasets/${DS}/meta.yaml`]: `name: remote\nsource: '{"uri": "s3://bucket/data.csv"}'\n`,
    });
    const [run] = detectRuns(catalogOf(files));
    const r = await readRun(memoryReader(files), run!);
    expect(r).toMatchObject({ name: 'bold-owl-417', status: 'FAILED', startedMs: 17, endedMs: null });
    expect(r.inputs).toEqual([{ name: 'remote', evidence: 'MLflow dataset input (training)' }]);
  });

  it('treats YAML tags as data and survives alias bombs and broken files', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
    const files = store({
      [`${RUN}/meta.yaml`]: 'run_name: !!python/object/apply:os.system ["echo hi"]\nstatus: 3\n',
      [`${RUN}/inputs/11112222/meta.yaml`]: bomb,
      [`${RUN}/artifacts/model/MLmodel`]: 'flavors: [unclosed\n',
    });
    const [run] = detectRuns(catalogOf(files));
    const r = await readRun(memoryReader(files), run!);
    expect(r.status).toBe('FINISHED');
    expect(r.warnings.some((w) => /!!python\/object\/apply:os\.system kept as plain data/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /could not be parsed/.test(w))).toBe(true);
    expect(r.outputs).toHaveLength(1); // the MLmodel file exists even when it does not parse
  });

  it('stays within a small byte cap and says what it skipped', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `${1780000000000 + i} ${(1 / (i + 1)).toFixed(6)} ${i}`).join('\n');
    const files = store({ [`${RUN}/metrics/loss`]: lines });
    const [run] = detectRuns(catalogOf(files));
    const src = memoryReader(files);
    const r = await readRun(src, run!, { byteCap: 64 * 1024 });
    expect(src.bytesRead).toBeLessThanOrEqual(64 * 1024);
    expect(r.metrics.loss?.length).toBeGreaterThan(100);
    expect(r.metrics.loss?.length).toBeLessThan(50_000);
    expect(r.warnings.join('\n')).toMatch(/read limit/);
  });
});
