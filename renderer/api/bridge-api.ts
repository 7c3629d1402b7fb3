// AppApi over the Electron preload bridge (`window.modelshelf`). The bridge is untyped on purpose
// (it only relays); types come back here from the contract.
import type { BridgeApi } from '../../shared/app-api';
import type { EventName, EventPayloads, MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { RendererApi } from './connection';
import { failure } from './errors';

export function createBridgeApi(bridge: BridgeApi): RendererApi {
  return {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
      try {
        const result = await bridge.call(method, input);
        if (result && typeof result === 'object' && typeof result.ok === 'boolean') {
          return result as Result<MethodOutput<M>>;
        }
        return failure('INTERNAL', 'The engine sent a reply this version of the app does not understand.');
      } catch {
        // The relay only throws when the engine process is gone.
        return failure('UNREACHABLE', 'The Modelshelf engine stopped responding. Restart the app if this persists.');
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      return bridge.on(event, listener as (payload: unknown) => void);
    },
  };
}
