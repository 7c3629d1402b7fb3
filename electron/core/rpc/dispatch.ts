// The one place where untrusted calls enter the engine: validate the method name and input against
// the contract, run the handler, and turn whatever happens into a Result.
import type { z } from 'zod';
import { isMethodName, type MethodName, type MethodOutput, methodInputs } from '../../../shared/contract';
import { fail, ok, type Result } from '../../../shared/result';
import { toAppError } from '../errors';

export type Handlers = {
  [M in MethodName]: (input: z.output<(typeof methodInputs)[M]>) => Promise<MethodOutput<M>>;
};

export async function dispatch(handlers: Handlers, method: unknown, input: unknown): Promise<Result<unknown>> {
  if (!isMethodName(method)) return fail('INVALID_INPUT', `Unknown method "${String(method).slice(0, 80)}".`);
  const parsed = methodInputs[method].safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return fail('INVALID_INPUT', `Invalid input for ${method}${where}: ${issue?.message ?? 'malformed'}`);
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data));
  } catch (err) {
    return { ok: false, error: toAppError(err) };
  }
}
