import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import type { Handlers } from './dispatch';

export function libraryHandlers(ctx: EngineContext): Pick<Handlers, 'library.list' | 'library.page' | 'library.get'> {
  return {
    'library.list': async (filter) => ctx.catalog.listLibrary(filter),
    'library.page': async (request) => ctx.catalog.libraryPage(request),
    'library.get': async ({ id }) => {
      const item = ctx.catalog.getItem(id);
      if (!item) throw new EngineError('NOT_FOUND', `There is no model or dataset with id ${id}.`);
      return item;
    },
  };
}
