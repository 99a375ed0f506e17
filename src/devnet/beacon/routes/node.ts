import {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import type {SimulatedChain} from "../chain.js";
import {withNotImplemented} from "./fallback.js";

type Endpoints = routes.node.Endpoints;

export const SIMCHAIN_VERSION = "cohort-simchain/0.1.0";

/** The `node` namespace: always synced (the head is the clock's slot), healthy, no peers. */
export function nodeMethods(chain: SimulatedChain): ApplicationMethods<Endpoints> {
  const implemented: Partial<ApplicationMethods<Endpoints>> = {
    async getSyncingStatus() {
      const headSlot = chain.head().message.slot;
      return {
        data: {
          headSlot,
          syncDistance: Math.max(0, chain.currentSlot() - headSlot - 1),
          isSyncing: false,
          isOptimistic: false,
          elOffline: false,
        },
      };
    },
    async getNodeVersion() {
      return {data: {version: SIMCHAIN_VERSION}};
    },
    async getHealth() {
      // 200: ready (the simulated chain is synced by construction).
    },
    async getPeerCount() {
      return {data: {disconnected: 0, connecting: 0, connected: 0, disconnecting: 0}};
    },
  };
  return withNotImplemented<Endpoints>("node", routes.node.getDefinitions(chain.config), implemented);
}
