import path from 'node:path';
import type { FileInspection } from '../../../shared/contract';
import { syncAnnotations } from '../registry/annotations/sync';
import { resolveRef, splitRef, versionByLabel } from '../registry/model-ref';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';
import { openLocalSource } from '../nas/local-source';
import { parseLocation } from '../nas/location';
import { openSmbTarget } from '../nas/open-source';
import { readHeader } from '../scan/read-header';
import type { Handlers } from './dispatch';

const INSPECT_CAP = 64 * 1024 * 1024;

export function inspectHandlers(ctx: EngineContext): Pick<Handlers, 'files.inspect' | 'library.resolve'> {
  return {
    'library.resolve': async ({ ref, kind }) => {
      // name@production: an alias or stage the team may have moved since this catalog last read the
      // share's logs (the CLI, which asks this, has no live updates). Read them again first, best
      // effort: an unreachable share leaves the catalog's answer (the export would then say so).
      const { name, version } = splitRef(ref);
      if (version !== null) {
        const { item } = resolveRef(ctx.catalog, name, kind);
        const v = versionByLabel(item, version);
        if (v) return { itemId: item.id, versionId: v.id, itemName: item.name, versionLabel: v.label };
        await syncAnnotations(ctx, item.sourceId).catch(() => {});
      }
      const r = resolveRef(ctx.catalog, ref, kind);
      return { itemId: r.item.id, versionId: r.versionId, itemName: r.item.name, versionLabel: r.versionLabel };
    },
    'files.inspect': async ({ location, password }) => {
      const loc = parseLocation(location);
      let source: FileSource;
      let file: string;
      if (loc.kind === 'local') {
        source = await openLocalSource(path.dirname(loc.rootPath));
        file = path.basename(loc.rootPath);
      } else {
        if (!loc.subpath) throw new EngineError('INVALID_INPUT', 'Give the path of a file on the share, e.g. smb://nas/models/llama/model.gguf.');
        const parts = loc.subpath.split('/');
        file = parts.pop() as string;
        source = await openSmbTarget({ ...loc, subpath: parts.join('/') }, password ?? null);
      }
      try {
        const st = await source.stat(file);
        if (st.isDir) throw new EngineError('INVALID_INPUT', `${location} is a folder; inspect takes one file.`);
        const before = source.counters().bytesRead;
        const info = await readHeader(source, file, file, st.size, { byteCap: INSPECT_CAP });
        const out: FileInspection = {
          location,
          size: st.size,
          format: info?.format ?? null,
          kind: info?.kind ?? null,
          metadata: info?.metadata ?? {},
          warnings: info?.warnings ?? (info ? [] : ['Modelshelf does not know this kind of file.']),
          bytesRead: source.counters().bytesRead - before,
        };
        return out;
      } finally {
        await source.close().catch(() => {});
      }
    },
  };
}
