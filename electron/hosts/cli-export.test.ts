// The export and team-registry commands, run in-process against a real engine over the demo library
// in a local folder (the same code the built CLI runs).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry, ExportResult, ItemDetail, LibraryItem, LineageGraph, MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import { writeDemoLibrary } from '../core/demo/generate';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { verifyBundle } from '../core/export/exporter';
import { openLocalSource } from '../core/nas/local-source';
import { exportCommands } from './cli-export';
import { type CliContext, Failure } from './cli-types';

describe('modelshelf export / alias / tag / note / link / activity', () => {
  let root: string;
  let share: string;
  let engine: Engine;
  let writable: boolean;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-cli-export-'));
    share = path.join(root, 'share');
    await writeDemoLibrary(share);
    engine = await createEngine({ dataDir: path.join(root, 'data') });
    const added = await engine.call('sources.add', { location: share, name: 'Team NAS' });
    if (!added.ok) throw new Error(added.error.message);
    const scanned = await engine.call('sources.scan', { id: (added.value as { id: number }).id });
    if (!scanned.ok) throw new Error(scanned.error.message);
    writable = typeof (await openLocalSource(share)).writeFile === 'function';
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function run(args: string[], values: CliContext['values'] = {}): Promise<{ code: number; out: string[]; json: unknown }> {
    const [name, ...positionals] = args;
    const command = exportCommands.find((c) => c.name === name);
    if (!command) throw new Error(`no command ${name}`);
    const out: string[] = [];
    let json: unknown;
    const ctx: CliContext = {
      engine,
      values,
      positionals,
      json: values.json === true,
      dataDir: path.join(root, 'data'),
      async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
        const r = await engine.call(method, input);
        if (!r.ok) throw new Failure(r.error.message);
        return r.value as MethodOutput<M>;
      },
      out: (line) => out.push(line),
      printJson: (v) => {
        json = v;
      },
      askPassword: async () => '',
      allowPasswordPrompt: () => {},
    };
    return { code: await command.run(ctx), out, json };
  }

  it('exports an MLflow registry version named by its MLflow alias, and the bundle verifies', async () => {
    const to = path.join(root, 'out1');
    const r = await run(['export', 'churn-classifier@champion'], { to, json: true });
    expect(r.code).toBe(0);
    const result = r.json as ExportResult;
    expect(path.basename(result.path)).toBe('churn-classifier-3');
    const files = (await readdir(result.path, { recursive: true })).sort();
    expect(files).toEqual(expect.arrayContaining(['MLmodel', 'model.pkl', 'README.md', 'MANIFEST.sha256', 'lineage.json', 'extra/meta.yaml']));
    expect(await verifyBundle(result.path)).toMatchObject({ problems: [] });
    const card = await readFile(path.join(result.path, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nname: churn-classifier\nversion: "3"\n/);
    expect(card).toMatch(/champion \(MLflow\)/);
  });

  it('exports a GGUF for LM Studio (publisher/model/file.gguf) and an HF folder as a zip', async () => {
    const list = (await engine.call('library.list', {})) as { ok: true; value: LibraryItem[] };
    const gguf = list.value.find((i) => i.format.toLowerCase().includes('gguf')) as LibraryItem;
    const item = ((await engine.call('library.get', { id: gguf.id })) as { ok: true; value: ItemDetail }).value;
    const latest = item.versions[0] as ItemDetail['versions'][number];
    const to = path.join(root, 'lmstudio');
    const lm = await run(['export', `${gguf.name}@latest`], { to, layout: 'lmstudio', json: true });
    expect(lm.code).toBe(0);
    const result = lm.json as ExportResult;
    const folder = latest.label === 'current' ? gguf.name : `${gguf.name}-${latest.label}`;
    expect(result.path).toBe(path.join(to, 'Team NAS', folder));
    const ggufFiles = latest.files.filter((f) => f.path.endsWith('.gguf'));
    expect(ggufFiles.length).toBeGreaterThan(0);
    for (const f of ggufFiles) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      expect(await readFile(path.join(result.path, name))).toEqual(await readFile(path.join(share, ...f.path.split('/'))));
    }
    expect((await readdir(result.path)).filter((n) => !n.endsWith('.gguf')).sort()).toEqual(['MANIFEST.sha256', 'README.md', 'lineage.json']);

    const zip = await run(['export', 'sentiment-bert-small@current'], { to: path.join(root, 'zips'), layout: 'hf', zip: true, json: true });
    expect((zip.json as ExportResult).path).toMatch(/sentiment-bert-small\.zip$/);
  });

  it('says clearly what is wrong', async () => {
    await expect(run(['export', 'no-such-model@1'], { to: root })).rejects.toThrow(/No model or dataset is called "no-such-model"/);
    await expect(run(['export', 'churn-classifier@9'], { to: root })).rejects.toThrow(/has no version, alias or stage "9". Versions: 3, 2, 1/);
    await expect(run(['export', 'churn-classifier@3'])).rejects.toThrow(/--to DIR/);
    await expect(run(['export', 'churn-classifier@3'], { to: root, layout: 'onnx' })).rejects.toThrow(/--layout is one of/);
    await expect(run(['export', 'churn-classifier@3'], { to: path.join(root, 'out1') })).rejects.toThrow(
      /^churn-classifier-3 already exists in .*out1\. Choose another folder\. To replace it, run the same command with --overwrite\.$/,
    );
    await expect(run(['alias', 'churn-classifier', 'production'])).rejects.toThrow(/Say which version/);
  });

  it('alias, tag, note and activity go through the share (or say why they cannot)', async () => {
    const alias = run(['alias', 'churn-classifier@2', 'production']);
    if (!writable) {
      await expect(alias).rejects.toThrow(/^This share is read-only for /);
      return;
    }
    expect((await alias).out).toEqual(['Saved alias "production" on churn-classifier 2.']);
    await run(['tag', 'churn-classifier', 'growth-team']);
    await run(['note', 'churn-classifier@2', 'Approved', 'by', 'Maria']);
    // the team alias now names a version for every command
    const exported = await run(['export', 'churn-classifier@production'], { to: path.join(root, 'out2'), json: true });
    expect(path.basename((exported.json as ExportResult).path)).toBe('churn-classifier-2');
    await run(['alias', 'churn-classifier@1', 'production']);
    const activity = await run(['activity'], { json: true });
    const entries = activity.json as ActivityEntry[];
    expect(entries.map((e) => e.action)).toEqual(['alias.set', 'note.add', 'tag.add', 'alias.set']);
    expect(entries[0]?.summary).toMatch(/moved production from 2 to 1 of churn-classifier$/);
    const text = await run(['activity'], { model: 'churn-classifier', kind: 'note' });
    expect(text.out).toHaveLength(1);
    expect(text.out[0]).toMatch(/added a note to churn-classifier 2: “Approved by Maria”$/);
    // the engine's library shows it (annotation handlers wrap library.get/list)
    const list = (await engine.call('library.list', {})) as { ok: true; value: LibraryItem[] };
    const churn = list.value.find((i) => i.name === 'churn-classifier') as LibraryItem;
    expect(churn.aliases.sort()).toEqual(['champion', 'production']);
    expect(churn.tags).toEqual(['growth-team']);
    const item = ((await engine.call('library.get', { id: churn.id })) as { ok: true; value: ItemDetail }).value;
    const v1 = item.versions.find((v) => v.label === '1');
    expect(v1?.aliases).toEqual(['production']);
    expect(v1?.annotations?.filter((a) => a.origin === 'team')).toEqual([expect.objectContaining({ kind: 'alias', value: 'production', by: expect.any(String) })]);
    const logs = await readdir(path.join(share, '.modelshelf', 'events'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/\.jsonl$/);
    // A note is removed by its id (from activity --json) wherever on the model it is, or by its text.
    await run(['note', 'churn-classifier@2', 'Second', 'thought']);
    const second = ((await run(['activity'], { kind: 'note', json: true })).json as ActivityEntry[]).find((e) => e.summary.includes('Second thought'))?.id as string;
    expect((await run(['note', 'churn-classifier', second], { remove: true })).out).toEqual(['Removed note from churn-classifier.']);
    await expect(run(['note', 'churn-classifier@2', 'Approved'], { remove: true })).rejects.toThrow(/^No note on churn-classifier@2 says "Approved"\. Its notes: "Approved by Maria" \(id [^)]+\)\.$/);
    expect((await run(['note', 'churn-classifier@2', 'Approved', 'by', 'Maria'], { remove: true })).out).toEqual(['Removed note from churn-classifier 2.']);
    const after = ((await engine.call('library.get', { id: churn.id })) as { ok: true; value: ItemDetail }).value;
    expect(after.versions.find((v) => v.label === '2')?.annotations?.filter((a) => a.kind === 'note')).toEqual([]);
  });

  it('link records where a model or version came from, named like alias/tag/note name models', async () => {
    await expect(run(['link', 'churn-classifier@2'])).rejects.toThrow(/^link takes a model and a target/);
    await expect(run(['link', 'churn-classifier@2', 'a', 'b'])).rejects.toThrow(/^link takes one target \(quote it/);
    await expect(run(['link', 'churn-classifier@2', 'customer-reviews'], { relation: 'cousin-of' })).rejects.toThrow(/^--relation is one of trained-on, .*derived-from\.$/);
    await expect(run(['link', 'churn-classifier@9', 'customer-reviews'])).rejects.toThrow(/has no version, alias or stage "9". Versions: 3, 2, 1/);
    const link = run(['link', 'churn-classifier@2', 'customer-reviews'], { relation: 'trained-on' });
    if (!writable) {
      await expect(link).rejects.toThrow(/^This share is read-only for /);
      return;
    }
    expect((await link).out).toEqual(['Saved link "trained-on customer-reviews" on churn-classifier 2.']);
    // a target's alias (or @latest) links to the version it names now; the default relation is derived-from
    expect((await run(['link', 'churn-classifier@2', 'churn-classifier@champion'])).out).toEqual(['Saved link "derived-from churn-classifier@3" on churn-classifier 2.']);
    const external = await run(['link', 'sentiment-bert-small', 'external:bert-base-uncased'], { relation: 'fine-tuned-from', json: true });
    expect(external.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'link', value: 'external:bert-base-uncased', relation: 'fine-tuned-from', versionLabel: null, origin: 'team' }),
      ]),
    );
    await expect(run(['link', 'churn-classifier@2', 'no-such-thing'])).rejects.toThrow(/Link to something outside it as external:no-such-thing/);
    // the lineage graph shows the team's links
    const churn = ((await engine.call('library.resolve', { ref: 'churn-classifier' })) as { ok: true; value: { itemId: number } }).value.itemId;
    const graph = ((await engine.call('library.lineage', { itemId: churn })) as { ok: true; value: LineageGraph }).value;
    expect(graph.edges.filter((e) => e.evidence.startsWith('team link')).map((e) => e.relation).sort()).toEqual(['derived-from', 'trained-on']);
    // removing: without --relation, the one link there is to that target
    expect((await run(['link', 'churn-classifier@2', 'customer-reviews'], { remove: true })).out).toEqual([
      'Removed link "trained-on customer-reviews" from churn-classifier 2.',
    ]);
    const item = ((await engine.call('library.get', { id: churn })) as { ok: true; value: ItemDetail }).value;
    expect(item.versions.find((v) => v.label === '2')?.annotations?.filter((a) => a.kind === 'link')).toEqual([
      expect.objectContaining({ value: 'model:mlruns/models/churn-classifier@3', relation: 'derived-from' }),
    ]);
    // removing a link that is not there says so, and writes nothing
    await expect(run(['link', 'churn-classifier@2', 'customer-reviews'], { remove: true })).rejects.toThrow(
      /^churn-classifier@2 has no link to customer-reviews\. Its links: derived-from model:mlruns\/models\/churn-classifier@3\.$/,
    );
    await expect(run(['link', 'churn-classifier@2', 'churn-classifier@3'], { remove: true, relation: 'trained-on' })).rejects.toThrow(
      /^churn-classifier@2 has no "trained-on" link to churn-classifier@3\. Its links: derived-from model:mlruns\/models\/churn-classifier@3\.$/,
    );
    const activity = await run(['activity'], { kind: 'link', json: true });
    expect((activity.json as ActivityEntry[]).map((e) => e.action)).toEqual(['link.remove', 'link.add', 'link.add', 'link.add']);
  });
});
