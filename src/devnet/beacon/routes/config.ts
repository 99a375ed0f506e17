import {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import type {SimulatedChain} from "../chain.js";
import {getSpecJson} from "../chainConfig.js";
import {withNotImplemented} from "./fallback.js";

type Endpoints = routes.config.Endpoints;

/** The `config` namespace: spec (chain config + preset + constants), fork schedule, deposit contract. */
export function configMethods(chain: SimulatedChain): ApplicationMethods<Endpoints> {
  const spec = getSpecJson(chain.config);
  const implemented: Partial<ApplicationMethods<Endpoints>> = {
    async getSpec() {
      return {data: spec};
    },
    async getForkSchedule() {
      return {
        data: chain.config.forksAscendingEpochOrder.map((f) => ({
          previousVersion: f.prevVersion,
          currentVersion: f.version,
          epoch: f.epoch,
        })),
      };
    },
    async getDepositContract() {
      return {
        data: {chainId: chain.config.DEPOSIT_CHAIN_ID, address: chain.config.DEPOSIT_CONTRACT_ADDRESS},
      };
    },
  };
  return withNotImplemented<Endpoints>("config", routes.config.getDefinitions(chain.config), implemented);
}
