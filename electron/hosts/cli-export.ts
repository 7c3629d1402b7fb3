// Export and the team's registry on the command line: export, alias, stage, tag, note, link, activity.
// Models are named as people say them: "churn-classifier@3", "churn-classifier@production",
// "churn-classifier@latest" (alias = the team's or MLflow's).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  type ActivityEntry,
  type AnnotationKind,
  type ExportProgress,
  type ExportResult,
  type ItemDetail,
  type ItemVersion,
  type LineageRelation,
  type VersionAnnotation,
  LineageRelationSchema,
  type MethodOutput,
} from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { type CliCommand, type CliContext, Failure, UsageError } from './cli-types';

const LAYOUTS = ['bundle', 'hf', 'mlflow', 'lmstudio'] as const;

/** "name[@version|alias|latest]" → the item (with team annotations) and, if asked for, one version. */
export async function resolveRef(ctx: CliContext, ref: string): Promise<{ item: ItemDetail; version: ItemVersion | null }> {
  const r = await ctx.call('library.resolve', { ref });
  const item = await ctx.call('library.get', { id: r.itemId });
  const version = r.versionId === null ? null : (item.versions.find((v) => v.id === r.versionId) ?? null);
  return { item, version };
}

function progressLine(p: ExportProgress): string {
  const pct = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
  const eta = p.etaSeconds === null ? '' : `, ${p.etaSeconds} s left`;
  return `${p.phase} ${pct}% (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}, ${formatBytes(p.rate)}/s${p.phase === 'copying' ? eta : ''}) ${p.currentFile}`;
}

/**
 * `note --remove` takes the note's id (as `activity --json` shows it) or its text, which is what
 * people have at hand: the one team note with exactly that text.
 */
function noteToRemove({ annotations, named: where }: { annotations: VersionAnnotation[]; named: string }, typed: string, anyId: ReadonlySet<string>): string {
  // An id removes its note wherever on the model it is (the engine's fold does not mind where).
  if (anyId.has(typed)) return typed;
  const notes = annotations.filter((a) => a.kind === 'note' && a.origin === 'team' && a.id !== undefined);
  const same = notes.filter((n) => n.value.trim() === typed);
  if (same.length === 1) return same[0]?.id as string;
  if (same.length > 1) throw new Failure(`${same.length} notes on ${where} say "${typed}": remove one by its id (${same.map((n) => n.id).join(', ')}).`);
  throw new Failure(
    notes.length === 0 ? `${where} has no team notes.` : `No note on ${where} says "${typed}". Its notes: ${notes.map((n) => `"${n.value.length > 40 ? `${n.value.slice(0, 40)}…` : n.value}" (id ${n.id})`).join('; ')}.`,
  );
}

/** What a command acts on: the version's annotations (else the model's), and its name as typed (name@label). */
function targetOf(item: ItemDetail, version: ItemVersion | null): { annotations: VersionAnnotation[]; named: string } {
  return { annotations: (version ? version.annotations : item.annotations) ?? [], named: version ? `${item.name}@${version.label}` : item.name };
}

function annotateCommand(kind: AnnotationKind, help: string, needsVersion: boolean): CliCommand {
  return {
    name: kind === 'alias' ? 'alias' : kind,
    help,
    options: { remove: { type: 'boolean' } },
    async run(ctx) {
      const [ref, ...rest] = ctx.positionals;
      const value = rest.join(' ').trim();
      if (!ref || value === '') throw new UsageError(`${kind} takes a model and a ${kind === 'note' ? 'text' : 'name'}.`);
      if (kind !== 'note' && rest.length > 1 && kind !== 'stage') throw new UsageError(`${kind} takes one name (quote it if it has spaces).`);
      const { item, version } = await resolveRef(ctx, ref);
      if (needsVersion && !version) throw new UsageError(`Say which version: ${item.name}@<version>.`);
      const remove = ctx.values.remove === true;
      const result = await ctx.call('annotations.set', {
        itemId: item.id,
        versionLabel: version?.label,
        kind,
        value:
          kind === 'note' && remove
            ? noteToRemove(
                targetOf(item, version),
                value,
                new Set([...(item.annotations ?? []), ...item.versions.flatMap((v) => v.annotations ?? [])].flatMap((a) => (a.kind === 'note' && a.id ? [a.id] : []))),
              )
            : value,
        remove,
      });
      if (ctx.json) ctx.printJson(result);
      else {
        const target = version ? `${item.name} ${version.label}` : item.name;
        ctx.out(`${ctx.values.remove ? 'Removed' : 'Saved'} ${kind} ${kind === 'note' ? '' : `"${value}" `}${ctx.values.remove ? 'from' : 'on'} ${target}.`);
      }
      return 0;
    },
  };
}

/**
 * A link's target as typed → what annotations.set takes, and how to say it. 'external:<name>' goes
 * as it is (the engine checks the name). Anything else is resolved like the model itself, so
 * "base@latest" or "base@production" link to the version they name today. A name the catalog does
 * not know, or knows on several sources, goes as typed: the engine looks in the model's own source
 * and says what to do (for example, link to something outside it as external:<name>).
 */
async function linkTarget(ctx: CliContext, from: ItemDetail, raw: string): Promise<{ value: string; said: string; ref: string | null }> {
  if (raw.startsWith('external:')) return { value: raw, said: raw, ref: `external:${raw.slice('external:'.length).trim()}` };
  const r = await ctx.engine.call('library.resolve', { ref: raw });
  if (!r.ok) {
    if (r.error.code === 'NOT_FOUND' || r.error.code === 'CONFLICT') return { value: raw, said: raw, ref: null };
    throw new Failure(r.error.message);
  }
  const resolved = r.value as MethodOutput<'library.resolve'>;
  const target = await ctx.call('library.get', { id: resolved.itemId });
  if (target.sourceId !== from.sourceId) {
    throw new Failure(`${target.name} is on another source than ${from.name}: a link stays on one share. Link to it as external:${target.name}.`);
  }
  const label = resolved.versionLabel;
  return {
    value: `${target.path}@${label ?? ''}`,
    said: label === null ? target.name : `${target.name}@${label}`,
    // how the engine stores it (annotations' value): kind:path@label
    ref: `${target.kind}:${target.path}@${label ?? ''}`,
  };
}

const RELATIONS = LineageRelationSchema.options;

/** `link`: like alias/tag/note (same model names, output and errors), with a target and a relation. */
const linkCommand: CliCommand = {
  name: 'link',
  help: `  link <model>[@<version>] <target> [--relation R] [--remove] [--json]
                                Record where a model or version came from: target is another model or
                                dataset on the same share (name[@version]) or external:<name>. R is
                                trained-on, produced-by, fine-tuned-from, adapter-of, quantized-from,
                                merged-from, exported-as or derived-from (the default).`,
  options: { relation: { type: 'string' }, remove: { type: 'boolean' } },
  async run(ctx) {
    const [ref, ...rest] = ctx.positionals;
    const raw = rest.join(' ').trim();
    if (!ref || raw === '') throw new UsageError('link takes a model and a target (another model, or external:<name>).');
    if (rest.length > 1) throw new UsageError('link takes one target (quote it if it has spaces).');
    const asked = ctx.values.relation;
    if (asked !== undefined && !RELATIONS.includes(asked as LineageRelation)) throw new UsageError(`--relation is one of ${RELATIONS.join(', ')}.`);
    const remove = ctx.values.remove === true;
    const { item, version } = await resolveRef(ctx, ref);
    const target = await linkTarget(ctx, item, raw);
    let relation = asked as LineageRelation | undefined;
    if (remove && target.ref !== null) {
      // Removing: the link there is to that target (with --relation, that one); without --relation
      // its relation when there is only one. A link that is not there is said so, not "removed"
      // (a remove event for it would change nothing).
      const { annotations, named } = targetOf(item, version);
      const links = annotations.filter(
        (a) => a.origin === 'team' && a.kind === 'link' && a.value === target.ref && a.relation !== undefined && (asked === undefined || a.relation === asked),
      );
      const relations = [...new Set(links.map((a) => a.relation as LineageRelation))];
      if (relations.length > 1) throw new UsageError(`There are ${relations.length} links to ${target.said}: say which with --relation ${relations.join(' or ')}.`);
      if (relations.length === 0) {
        const there = annotations.filter((a) => a.origin === 'team' && a.kind === 'link');
        const what = asked === undefined ? `a link to ${target.said}` : `a "${asked}" link to ${target.said}`;
        throw new Failure(there.length === 0 ? `${named} has no links.` : `${named} has no ${what.slice(2)}. Its links: ${there.map((a) => `${a.relation ?? 'derived-from'} ${a.value}`).join('; ')}.`);
      }
      relation = relations[0];
    }
    relation ??= 'derived-from';
    const result = await ctx.call('annotations.set', {
      itemId: item.id,
      versionLabel: version?.label,
      kind: 'link',
      value: target.value,
      relation,
      remove,
    });
    if (ctx.json) ctx.printJson(result);
    else {
      const on = version ? `${item.name} ${version.label}` : item.name;
      ctx.out(`${remove ? 'Removed' : 'Saved'} link "${relation} ${target.said}" ${remove ? 'from' : 'on'} ${on}.`);
    }
    return 0;
  },
};

export const exportCommands: CliCommand[] = [
  {
    name: 'export',
    help: `  export <model>@<version|alias|latest> --to DIR [--zip] [--layout bundle|hf|mlflow|lmstudio] [--overwrite] [--json]
                                Copy a version to DIR with a model card, metrics.csv, lineage.json and
                                MANIFEST.sha256 (checked after copying). Interrupted exports resume.`,
    options: { to: { type: 'string' }, zip: { type: 'boolean' }, layout: { type: 'string' }, overwrite: { type: 'boolean' } },
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('export takes one model, for example churn-classifier@3.');
      if (typeof ctx.values.to !== 'string' || ctx.values.to === '') throw new UsageError('Say where to: --to DIR.');
      const layout = ctx.values.layout ?? 'bundle';
      if (!LAYOUTS.includes(layout as (typeof LAYOUTS)[number])) throw new UsageError(`--layout is one of ${LAYOUTS.join(', ')}.`);
      ctx.allowPasswordPrompt();
      const { item, version } = await resolveRef(ctx, ctx.positionals[0] as string);
      if (!version) throw new UsageError(`Say which version: ${item.name}@<version>, @<alias> or @latest.`);
      const exportId = randomUUID();
      const live = process.stderr.isTTY;
      let last = 0;
      const off = ctx.engine.onEvent((e) => {
        if (e.event !== 'export.progress') return;
        const p = e.payload as ExportProgress;
        if (p.exportId !== exportId) return;
        if (live) process.stderr.write(`\r\x1b[K${progressLine(p)}`.slice(0, (process.stderr.columns || 120) + 4));
        else if (Date.now() - last > 2000) {
          last = Date.now();
          process.stderr.write(`${progressLine(p)}\n`);
        }
      });
      const cancel = () => {
        process.stderr.write('\nCancelling…\n');
        void ctx.engine.call('export.cancel', { exportId });
      };
      process.once('SIGINT', cancel);
      try {
        const r = await ctx.engine.call('export.version', {
          versionId: version.id,
          destination: path.resolve(ctx.values.to),
          layout: layout as (typeof LAYOUTS)[number],
          zip: ctx.values.zip === true,
          overwrite: ctx.values.overwrite === true,
          exportId,
        });
        if (live) process.stderr.write('\r\x1b[K');
        if (!r.ok) {
          if (r.error.code === 'CANCELLED') {
            // A folder export resumes; a zip is started over (exporter.ts: "A zip is simply restarted").
            throw new Failure(ctx.values.zip === true ? 'Export cancelled; the unfinished zip was removed. Run the same command again to start it over.' : 'Export cancelled. Run the same command again to continue where it stopped.');
          }
          if (r.error.replaceable) throw new Failure(`${r.error.message.replace(/,? or allow overwriting it\.$/, '.')} To replace it, run the same command with --overwrite.`);
          throw new Failure(r.error.message);
        }
        const result = r.value as ExportResult;
        if (ctx.json) ctx.printJson(result);
        else {
          const resumed = result.resumedBytes > 0 ? `, ${formatBytes(result.resumedBytes)} of it from the interrupted export` : '';
          ctx.out(
            `Exported ${item.name} ${version.label} to ${result.path} (${result.files} files, ${formatBytes(result.bytes)}${resumed}) in ${(result.durationMs / 1000).toFixed(1)} s.`,
          );
          ctx.out(`Manifest sha256: ${result.sha256Manifest}`);
        }
        return 0;
      } finally {
        process.off('SIGINT', cancel);
        off();
      }
    },
  },
  annotateCommand(
    'alias',
    `  alias <model>@<version> <alias> [--remove] [--json]
                                Point a team alias (production, staging, …) at a version; it moves from
                                wherever it was. Saved on the share for everyone.`,
    true,
  ),
  annotateCommand('stage', '  stage <model>@<version> <stage> [--remove] [--json]\n                                Set the stage of a version (Staging, Production, Archived, …).', true),
  annotateCommand('tag', '  tag <model>[@<version>] <tag> [--remove] [--json]\n                                Tag a model or one version.', false),
  annotateCommand('note', '  note <model>[@<version>] <text…> [--json]\n                                Add a note to a model or one version (remove one: --remove with its text or id).', false),
  linkCommand,
  {
    name: 'activity',
    help: `  activity [--model NAME] [--who USER] [--kind alias|stage|tag|note|link] [--limit N] [--json]
                                Who changed what in the team registry, newest first.`,
    options: { model: { type: 'string' }, who: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' } },
    async run(ctx) {
      if (ctx.positionals.length > 0) throw new UsageError('activity takes no arguments; filter with --model, --who, --kind.');
      const limit = ctx.values.limit === undefined ? 50 : Number(ctx.values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit is a number from 1 to 10000.');
      const kind = ctx.values.kind;
      if (kind !== undefined && !['alias', 'stage', 'tag', 'note', 'link'].includes(String(kind))) throw new UsageError('--kind is alias, stage, tag, note or link.');
      const itemId = typeof ctx.values.model === 'string' ? (await resolveRef(ctx, ctx.values.model)).item.id : undefined;
      const entries: ActivityEntry[] = await ctx.call('activity.list', {
        itemId,
        who: typeof ctx.values.who === 'string' ? ctx.values.who : undefined,
        kind: kind as AnnotationKind | undefined,
        limit,
        // No live updates on the command line: read what colleagues wrote since (an offline share keeps the catalog's).
        refresh: true,
      });
      if (ctx.json) ctx.printJson(entries);
      else if (entries.length === 0) ctx.out('No team activity yet. Try: modelshelf alias <model>@<version> production');
      else for (const e of entries) ctx.out(`${new Date(e.at).toISOString().slice(0, 16).replace('T', ' ')}\t${e.summary}`);
      return 0;
    },
  },
];
