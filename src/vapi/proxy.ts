import type {IncomingHttpHeaders} from "node:http";
import {Readable} from "node:stream";
import type {ReadableStream as WebReadableStream} from "node:stream/web";
import type {FastifyInstance, FastifyReply, FastifyRequest} from "fastify";
import type {Logger} from "../util/logger.js";
import type {VapiMetrics} from "./metrics.js";

/** Hop-by-hop headers, and those that no longer describe a re-streamed body. */
const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "accept-encoding",
]);
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "content-encoding",
]);

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const;

/**
 * Everything the validator-API server does not answer itself goes to the beacon node unchanged: method,
 * path, query, headers (Eth-Consensus-Version and the like) and body, streamed both ways (the event stream
 * stays open as long as the VC listens). Registered in its own fastify context, so bodies stay raw bytes.
 */
export function registerProxy(
  server: FastifyInstance,
  opts: {beaconNodeUrl: string},
  modules: {logger: Logger; metrics?: VapiMetrics},
): void {
  void server.register(async (instance) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
    instance.route({
      method: [...METHODS],
      url: "/*",
      handler: (req, reply) => proxyRequest(req, reply, opts.beaconNodeUrl, modules),
    });
  });
}

async function proxyRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  beaconNodeUrl: string,
  modules: {logger: Logger; metrics?: VapiMetrics},
): Promise<FastifyReply> {
  const target = new URL(req.url, beaconNodeUrl);
  const abort = new AbortController();
  // The VC went away (e.g. closed its event stream): stop the upstream request too.
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  const body = req.body instanceof Readable ? (Readable.toWeb(req.body) as ReadableStream<Uint8Array>) : undefined;
  let res: Response;
  try {
    res = await fetch(target, {
      method: req.method,
      headers: forwardHeaders(req.headers),
      body,
      // Node's fetch streams a request body only half-duplex.
      ...(body ? {duplex: "half"} : {}),
      signal: abort.signal,
      redirect: "manual",
    } as RequestInit);
  } catch (e) {
    modules.metrics?.proxiedRequests.inc({status: "502"});
    modules.logger.warn("beacon node unreachable for a proxied request", {url: req.url, reason: (e as Error).message});
    return reply.code(502).send({code: 502, message: `beacon node unreachable: ${(e as Error).message}`});
  }
  modules.metrics?.proxiedRequests.inc({status: String(res.status)});
  reply.code(res.status);
  res.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) void reply.header(name, value);
  });
  if (res.body === null) return reply.send();
  return reply.send(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
}

function forwardHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}
