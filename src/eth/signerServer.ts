/**
 * `cohort signer`'s server: a Web3Signer-compatible eth2 signing API over fastify.
 *
 * Each request's signing root is recomputed from its typed payload and `fork_info` and must equal the
 * `signingRoot` sent (else 400), so the signer only ever signs what it can see. Blocks and attestations
 * pass its own slashing protection first (412 when refused), as Web3Signer's do. Unknown keys are 404.
 */
import type {SecretKey} from "@chainsafe/blst";
import Fastify, {type FastifyInstance, type FastifyReply, type FastifyRequest} from "fastify";
import {type SlashingProtection, SlashingProtectionError} from "../slashing/index.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {SigningError} from "./errors.js";
import type {EthMetrics} from "./metrics.js";
import {computeMessageSigningRoot, type SignableMessage} from "./signing.js";
import {parseSignRequestBody} from "./web3signerFormat.js";

/** The slashing-protection calls the signer makes (src/slashing's `SlashingProtection`, which throws its errors). */
export type SignerSlashingProtection = Pick<SlashingProtection, "checkAndInsertBlock" | "checkAndInsertAttestation">;

export interface SignerServerOpts {
  address: string;
  port: number;
  /** The network's genesis fork version, for builder registrations (signed without fork_info). */
  genesisForkVersion: Uint8Array;
  /** The chain the slashing DB belongs to; requests for another chain are refused (400). */
  genesisValidatorsRoot: Uint8Array;
}

export interface SignerServerModules {
  keys: {pubkey: Uint8Array; secretKey: SecretKey}[];
  slashingProtection: SignerSlashingProtection;
  logger: Logger;
  metrics?: EthMetrics;
}

export class SignerServer {
  private readonly app: FastifyInstance;
  private readonly keys = new Map<string, {pubkey: Uint8Array; secretKey: SecretKey}>();

  constructor(
    private readonly opts: SignerServerOpts,
    private readonly modules: SignerServerModules,
  ) {
    for (const key of modules.keys) this.keys.set(toHex(key.pubkey), key);
    this.app = Fastify({logger: false, bodyLimit: 10 * 1024 * 1024});
    // onSend runs before the answer leaves, so the count is in place when the caller sees the answer.
    this.app.addHook("onSend", async (req, reply) => {
      if (req.routeOptions.url !== "/api/v1/eth2/sign/:identifier") return;
      const type = (req.body as {type?: unknown} | null)?.type;
      this.modules.metrics?.signerServerRequests.inc({
        type: typeof type === "string" && type.length <= 64 ? type : "unknown",
        status: reply.statusCode,
      });
    });
    this.app.get("/upcheck", (req, reply) => this.upcheck(req, reply));
    this.app.get("/api/v1/eth2/publicKeys", (_req, reply) => reply.send([...this.keys.keys()]));
    this.app.post("/api/v1/eth2/sign/:identifier", (req, reply) => this.sign(req, reply));
  }

  /** Starts listening; returns the bound URL (port 0 picks a free port). */
  async listen(): Promise<string> {
    await this.app.listen({host: this.opts.address, port: this.opts.port});
    const address = this.app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.opts.port;
    return `http://${this.opts.address}:${port}`;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private upcheck(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    // Web3Signer answers text; Lodestar asks for and expects JSON.
    if (wantsJson(req)) return reply.send({status: "OK"});
    return reply.type("text/plain").send("OK");
  }

  private sign(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const identifier = String((req.params as {identifier?: unknown}).identifier ?? "").toLowerCase();
    const key = this.keys.get(identifier);
    if (key === undefined) {
      return reply
        .code(404)
        .type("text/plain")
        .send(`Public Key not found: ${identifier.slice(0, 100)}`);
    }

    let message: SignableMessage;
    let signingRoot: Uint8Array;
    try {
      const parsed = parseSignRequestBody(req.body);
      message = parsed.message;
      if (
        parsed.forkInfo !== null &&
        !bytesEqual(parsed.forkInfo.genesisValidatorsRoot, this.opts.genesisValidatorsRoot)
      ) {
        return badRequest(reply, "fork_info.genesis_validators_root is not this signer's chain");
      }
      signingRoot = computeMessageSigningRoot(message, parsed.forkInfo, this.opts.genesisForkVersion);
      if (parsed.signingRoot !== null && !bytesEqual(parsed.signingRoot, signingRoot)) {
        this.modules.logger.warn("Refused a sign request whose signingRoot does not match its payload", {
          type: message.type,
          pubkey: identifier,
        });
        return badRequest(reply, "signingRoot does not match the payload and fork_info");
      }
    } catch (e) {
      if (e instanceof SigningError) return badRequest(reply, e.message);
      throw e;
    }

    try {
      this.checkSlashing(key.pubkey, message, signingRoot);
    } catch (e) {
      if (!(e instanceof SlashingProtectionError)) throw e;
      if (e.isSlashable) {
        this.modules.logger.warn("Slashing protection refused a signature", {
          type: message.type,
          pubkey: identifier,
          code: e.code,
        });
        return reply.code(412).type("text/plain").send(`Signing refused by slashing protection: ${e.message}`);
      }
      if (e.code === "SLASHING_INVALID_INPUT") return badRequest(reply, e.message);
      throw e;
    }

    const signature = toHex(key.secretKey.sign(signingRoot).toBytes());
    this.modules.logger.debug("Signed", {type: message.type, pubkey: identifier, signingRoot: toHex(signingRoot)});
    if (wantsJson(req)) return reply.send({signature});
    return reply.type("text/plain").send(signature);
  }

  private checkSlashing(pubkey: Uint8Array, msg: SignableMessage, signingRoot: Uint8Array): void {
    if (msg.type === "BLOCK_V2") {
      const slot = "block" in msg.data ? msg.data.block.slot : msg.data.blockHeader.slot;
      this.modules.slashingProtection.checkAndInsertBlock(pubkey, {slot, signingRoot});
    } else if (msg.type === "ATTESTATION") {
      this.modules.slashingProtection.checkAndInsertAttestation(pubkey, {
        sourceEpoch: msg.data.source.epoch,
        targetEpoch: msg.data.target.epoch,
        signingRoot,
      });
    }
  }
}

function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? "").includes("application/json");
}

function badRequest(reply: FastifyReply, reason: string): FastifyReply {
  return reply.code(400).type("text/plain").send(reason);
}
