import {parse as parseQueryString} from "node:querystring";
import {addSszContentTypeParser} from "@lodestar/api/server";
import fastify, {type FastifyInstance} from "fastify";

/**
 * A fastify instance set up to serve the Beacon API the way Lodestar's BN does: JSON and SSZ bodies,
 * Lodestar's query-string reading, connections closed with the server (SSE streams never end by
 * themselves), and room for full blocks. Used by the simulated BN and the validator-API server.
 */
export function createBeaconApiFastify(): FastifyInstance {
  const server = fastify({
    logger: false,
    ajv: {customOptions: {coerceTypes: "array"}},
    routerOptions: {querystringParser: parseBeaconApiQuery},
    forceCloseConnections: true,
    bodyLimit: 20 * 1024 * 1024,
  });
  addSszContentTypeParser(server);
  return server;
}

/** Query strings as Lodestar's BN reads them: repeated keys and comma-separated values both make arrays. */
export function parseBeaconApiQuery(str: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parseQueryString(str))) {
    const values = (Array.isArray(value) ? value : [value ?? ""]).flatMap((v) => v.split(","));
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}
