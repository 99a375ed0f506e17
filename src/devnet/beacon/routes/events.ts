import {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import type {SimulatedChain} from "../chain.js";
import {withNotImplemented} from "./fallback.js";

type Endpoints = routes.events.Endpoints;
const {EventType} = routes.events;

/**
 * The `events` namespace: SSE `head` and `block` events as the head moves (other topics are accepted
 * and never fire: the simulator has no such events). The stream ends when the client leaves or the node stops.
 */
export function eventsMethods(chain: SimulatedChain, streams: Set<AbortController>): ApplicationMethods<Endpoints> {
  const implemented: Partial<ApplicationMethods<Endpoints>> = {
    async eventstream({topics, signal, onEvent}) {
      const wantHead = topics.includes(EventType.head);
      const wantBlock = topics.includes(EventType.block);
      const stop = new AbortController();
      streams.add(stop);
      const unsubscribe = chain.onHead((e) => {
        if (wantBlock) {
          onEvent({type: EventType.block, message: {slot: e.slot, block: e.block, executionOptimistic: false}});
        }
        if (wantHead) onEvent({type: EventType.head, message: e});
      });
      await new Promise<void>((resolve) => {
        if (signal.aborted || stop.signal.aborted) return resolve();
        signal.addEventListener("abort", () => resolve(), {once: true});
        stop.signal.addEventListener("abort", () => resolve(), {once: true});
      });
      unsubscribe();
      streams.delete(stop);
    },
  };
  return withNotImplemented<Endpoints>("events", routes.events.getDefinitions(chain.config), implemented);
}
