import type {FastifyInstance} from "fastify";
import type {SimulatedChain} from "../chain.js";

export const STATS_PATH = "/cohort/devnet/stats";

/** `GET /cohort/devnet/stats[?records=true]`: the chain's duty counts, slashable events, and optionally every record. */
export function registerStatsRoute(server: FastifyInstance, chain: SimulatedChain): void {
  server.get<{Querystring: {records?: string}}>(STATS_PATH, async (req) => {
    const withRecords = req.query.records === "true" || req.query.records === "1";
    return {stats: chain.stats(), ...(withRecords ? {records: chain.records()} : {})};
  });
}
