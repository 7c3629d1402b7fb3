import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RunsStore } from '../catalog/runs-store';
import { frontMatter, parseSidecar } from '../registry/sidecar-files';
import { annotationHandlers } from '../rpc/annotation-handlers';
import { exportHandlers } from '../rpc/export-handlers';
import { testContext, version } from '../registry/annotations/test-support';
import { memorySource } from './memory-source';
import { prepareExport } from './prepare';

const FILES = {
  'hf/bert/config.json': '{"architectures":["BertForSequenceClassification"]}',
  'hf/bert/model.safetensors': new Uint8Array(4096).fill(7),
  'hf/bert/README.md': '---\nlicense: apache-2.0\nbase_model: bert-base-uncased\ndatasets:\n- imdb\n---\n# Sentiment\n',
};
const ITEMS = [
  {
    kind: 'model' as const,
    name: 'sentiment-bert',
    path: 'hf/bert',
    layout: 'huggingface',
    format: 'safetensors',
    versions: [
      version(
        'current',
        'hf/bert',
        Object.entries(FILES).map(([p, v]) => [p, typeof v === 'string' ? Buffer.byteLength(v) : v.length] as [string, number]),
        { meta: { card: { license: 'apache-2.0', base_model: 'bert-base-uncased', datasets: ['imdb'] }, config: { architectures: ['BertForSequenceClassification'] } } },
      ),
    ],
  },
  { kind: 'dataset' as const, name: 'reviews', path: 'data/reviews', layout: 'folder', format: 'parquet', versions: [version('current', 'data/reviews', [['data/reviews/a.parquet', 1]])] },
];

describe('prepareExport / export.version', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function setup() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-prep-'));
    const dest = await mkdtemp(path.join(os.tmpdir(), 'ms-prep-dest-'));
    dirs.push(dataDir, dest);
    const share = memorySource(FILES);
    const ctx = testContext(dataDir, share, ITEMS);
    const db = ctx.catalog.db;
    const versionId = (db.prepare("SELECT v.id FROM version v JOIN item i ON i.id = v.item_id WHERE i.name = 'sentiment-bert'").get() as { id: number }).id;
    // A run that produced this version, with two metrics.
    // (written through the catalog's run writer: points are stored packed, one row per series)
    const runId = new RunsStore(db).save(
      ctx.sourceId,
      1,
      'runs/r1',
      {
        format: 'hf-trainer', name: 'run-1', status: null, startedMs: null, endedMs: null, params: {}, tags: {}, inputs: [], outputs: [], warnings: [],
        metrics: {
          eval_loss: [{ step: 0, wallMs: null, value: 0.9 }, { step: 10, wallMs: null, value: 0.5 }, { step: 20, wallMs: null, value: 0.25 }],
          accuracy: [{ step: 20, wallMs: null, value: 0.91 }],
        },
      },
      '',
    );
    db.prepare("INSERT INTO version_run (version_id, run_id, evidence) VALUES (?, ?, 'trainer_state.json')").run(versionId, runId);
    return { ctx, dest, versionId, share };
  }

  it('writes an HF-compatible card, metrics.csv and lineage.json from the catalog and the team annotations', async () => {
    const { ctx, versionId } = await setup();
    const notes = annotationHandlers(ctx);
    const itemId = ctx.catalog.listLibrary({}).find((i) => i.name === 'sentiment-bert')?.id as number;
    await notes['annotations.set']({ itemId, versionLabel: 'current', kind: 'alias', value: 'production', remove: false });
    await notes['annotations.set']({ itemId, kind: 'tag', value: 'nlp', remove: false });
    await notes['annotations.set']({ itemId, versionLabel: 'current', kind: 'note', value: 'Validated by Maria.', remove: false });
    await notes['annotations.set']({ itemId, versionLabel: 'current', kind: 'link', value: 'reviews', relation: 'trained-on', remove: false });
    // On the model itself, naming a version of what it came from (an edge version → item).
    await notes['annotations.set']({ itemId, kind: 'link', value: 'reviews@current', relation: 'derived-from', remove: false });

    const prep = prepareExport(ctx, { versionId, layout: 'hf' }, new Date('2026-11-02T12:00:00Z'));
    const card = new TextDecoder().decode(prep.generated.get('README.md'));
    const front = parseYaml(frontMatter(card) as string) as Record<string, unknown>;
    expect(front).toEqual({
      name: 'sentiment-bert',
      version: 'current',
      license: 'apache-2.0',
      base_model: 'bert-base-uncased',
      datasets: ['imdb', 'reviews'],
      metrics: ['accuracy', 'eval_loss'],
      tags: ['nlp'],
    });
    // Modelshelf's own scanner reads the card back the way the Hub would.
    expect(parseSidecar('model-card', card)).toMatchObject({ license: 'apache-2.0', base_model: 'bert-base-uncased', title: 'sentiment-bert — current' });
    expect(card).toMatch(/\| Aliases \| production \|/);
    expect(card).toMatch(/> Validated by Maria\./);
    expect(card).toMatch(/README\.source\.md/);
    expect(card).toMatch(/\| eval_loss \| 0\.25 \| run-1 \|/);
    expect(card).not.toMatch(/No training metrics/);
    expect(new TextDecoder().decode(prep.generated.get('metrics.csv'))).toBe(
      'run,key,step,value\nrun-1,accuracy,20,0.91\nrun-1,eval_loss,0,0.9\nrun-1,eval_loss,10,0.5\nrun-1,eval_loss,20,0.25\n',
    );
    const lineage = JSON.parse(new TextDecoder().decode(prep.generated.get('lineage.json')));
    expect(lineage).toMatchObject({ model: { name: 'sentiment-bert', path: 'hf/bert' }, version: { label: 'current' } });
    expect(lineage.edges).toEqual(expect.arrayContaining([expect.objectContaining({ relation: 'trained-on', evidence: expect.stringMatching(/^team link/) })]));
    expect(card).toMatch(/derived-from.*reviews/);
    expect(prep.plan.copies.map((c) => c.dest).sort()).toEqual(['README.source.md', 'config.json', 'model.safetensors']);
  });

  it('a version without runs has no metrics.csv, and its card says why', async () => {
    const { ctx } = await setup();
    const versionId = (ctx.catalog.db.prepare("SELECT v.id FROM version v JOIN item i ON i.id = v.item_id WHERE i.name = 'reviews'").get() as { id: number }).id;
    const prep = prepareExport(ctx, { versionId, layout: 'bundle' });
    expect(prep.plan.generated).not.toContain('metrics.csv');
    expect(prep.generated.has('metrics.csv')).toBe(false);
    expect(new TextDecoder().decode(prep.generated.get('README.md'))).toMatch(/No training metrics were found for this version, so there is no `metrics\.csv`\./);
  });

  it('mlflow layout without an MLmodel gets one that lists the artifacts', async () => {
    const { ctx, versionId } = await setup();
    const prep = prepareExport(ctx, { versionId, layout: 'mlflow' });
    const mlmodel = parseYaml(new TextDecoder().decode(prep.generated.get('MLmodel'))) as Record<string, unknown>;
    expect(mlmodel).toMatchObject({ artifact_path: 'model', flavors: {}, metadata: { name: 'sentiment-bert', version: 'current' } });
    expect((mlmodel.metadata as { artifacts: string[] }).artifacts.sort()).toEqual(['artifacts/README.md', 'artifacts/config.json', 'artifacts/model.safetensors']);
  });

  it('export.version runs through the handler: progress events, result, cancel by id', async () => {
    const { ctx, dest, versionId, share } = await setup();
    const h = exportHandlers(ctx);
    const r = await h['export.version']({ versionId, destination: dest, layout: 'bundle', zip: false, overwrite: false, exportId: 'job-1' });
    expect(r).toMatchObject({ exportId: 'job-1', files: 7, path: expect.stringMatching(/sentiment-bert$/) });
    expect(await readFile(path.join(r.path, 'model.safetensors'))).toEqual(Buffer.from(FILES['hf/bert/model.safetensors']));
    const progress = ctx.events.filter((e) => e.event === 'export.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => (e.payload as { exportId: string }).exportId === 'job-1')).toBe(true);

    let release!: () => void;
    share.beforeRead = () => new Promise<void>((res) => (release = res));
    const running = h['export.version']({ versionId, destination: dest, layout: 'hf', zip: true, overwrite: false, exportId: 'job-2' });
    await new Promise((res) => setTimeout(res, 30));
    expect(await h['export.cancel']({ exportId: 'job-2' })).toEqual({ cancelled: true });
    release();
    share.beforeRead = null;
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await h['export.cancel']({ exportId: 'job-2' })).toEqual({ cancelled: false });
    await expect(h['export.version']({ versionId: 999, destination: dest, layout: 'bundle', zip: false, overwrite: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
