// Methods other engineers are adding to the contract. The UI offers them only when this build's
// contract lists them (METHOD_NAMES), and otherwise says plainly that the feature is not there yet.
import { METHOD_NAMES } from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { RendererApi } from './connection';
import { failure } from './errors';

export function hasMethod(name: string): boolean {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

/** Calls a method by name when the contract has it; UNSUPPORTED (with the given words) when not. */
export function callOptional(api: RendererApi, name: string, input: unknown, missing: string): Promise<Result<unknown>> {
  if (!hasMethod(name)) return Promise.resolve(failure('UNSUPPORTED', missing));
  const call = api.call as unknown as (method: string, input: unknown) => Promise<Result<unknown>>;
  return call(name, input);
}
