import Fastify, {type FastifyInstance} from "fastify";
import type {Registry} from "prom-client";
import type {Logger} from "../util/logger.js";

export interface Readiness {
  ready: boolean;
  /** Each check's result: true, or why it fails. */
  checks: Record<string, true | string>;
}

export interface MonitoringServerOpts {
  address: string;
  port: number;
}

export interface MonitoringServerModules {
  register: Registry;
  readiness(): Promise<Readiness>;
  logger: Logger;
}

/**
 * The node's monitoring endpoints, Charon style: `/metrics` (Prometheus), `/livez` (the process answers)
 * and `/readyz` (200 only when the BN is synced, the RS answers and serves this node's key shares, and a
 * quorum of peers is connected; 503 with the failing checks otherwise, `starting` during start-up).
 */
export class MonitoringServer {
  private server: FastifyInstance | null = null;

  constructor(
    private readonly opts: MonitoringServerOpts,
    private readonly modules: MonitoringServerModules,
  ) {}

  /** Starts listening; returns the base URL. */
  async start(): Promise<string> {
    const server = Fastify({logger: false});
    server.get("/metrics", async (_req, reply) => {
      reply.header("content-type", this.modules.register.contentType);
      return this.modules.register.metrics();
    });
    server.get("/livez", async () => ({status: "ok"}));
    server.get("/readyz", async (_req, reply) => {
      const readiness = await this.modules.readiness();
      reply.code(readiness.ready ? 200 : 503);
      return readiness;
    });
    this.server = server;
    const url = await server.listen({host: this.opts.address, port: this.opts.port});
    this.modules.logger.info("monitoring listening", {url});
    return url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}
