import {type ApiResponse, type Endpoint, HttpClient} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {type LegacyEndpointArgs, type LegacyRouteId, legacyDefinitions} from "../../src/vapi/legacyRoutes.js";

/**
 * A client of the routes @lodestar/api 1.48 no longer has (src/vapi/legacyRoutes.ts), on @lodestar/api's
 * own HttpClient: the v1 forms a Deneb-era VC uses before Electra.
 */
export type LegacyClient = {
  [K in LegacyRouteId]: (args: LegacyEndpointArgs[K]) => Promise<ApiResponse<Endpoint>>;
};

export function createLegacyClient(baseUrl: string, config: BeaconConfig): LegacyClient {
  const http = new HttpClient({baseUrl, globalInit: {timeoutMs: 30_000}});
  const defs = legacyDefinitions(config);
  const client = {} as Record<LegacyRouteId, (args: unknown) => Promise<ApiResponse<Endpoint>>>;
  for (const id of Object.keys(defs) as LegacyRouteId[]) {
    const def = defs[id];
    const urlFormatter = (args: Record<string, string | number>) =>
      def.url.replace(/\{(\w+)\}/g, (_, name: string) => String(args[name]));
    client[id] = (args) => http.request({...def, operationId: id, urlFormatter} as never, args as never);
  }
  return client as unknown as LegacyClient;
}
