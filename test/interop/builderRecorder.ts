/**
 * The builder a real Lodestar BN forwards `register_validator` to (`--builder --builder.url`): the few
 * builder-API routes it calls, on 127.0.0.1. It verifies every registration as a builder (relay) does —
 * the validator key's signature over DOMAIN_APPLICATION_BUILDER with the genesis fork version and a zero
 * genesis validators root, computed here from the builder specs — and keeps the verified ones. It never
 * bids (`getHeader` answers 204), so the BN always proposes its own locally built block.
 */
import {createServer, type IncomingMessage, type Server} from "node:http";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {DOMAIN_APPLICATION_BUILDER} from "@lodestar/params";
import {ssz} from "@lodestar/types";

export interface ReceivedRegistration {
  pubkey: string;
  feeRecipient: string;
  gasLimit: number;
  timestamp: number;
  signature: string;
  /** The signature verified against `pubkey` (a relay drops one that does not). */
  valid: boolean;
}

export class BuilderRecorder {
  /** Every registration the BN forwarded, in order. */
  readonly registrations: ReceivedRegistration[] = [];
  /** `getHeader` calls (the BN asked for a bid at a proposal). */
  headerRequests = 0;
  private server: Server | null = null;
  private domain: Uint8Array | null = null;

  /** The chain's genesis fork version (known once the BN runs; the builder URL is needed before). */
  setGenesisForkVersion(genesisForkVersion: Uint8Array): void {
    const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
      currentVersion: genesisForkVersion,
      genesisValidatorsRoot: new Uint8Array(32),
    });
    this.domain = Uint8Array.from([...DOMAIN_APPLICATION_BUILDER, ...forkDataRoot.subarray(0, 28)]);
  }

  async start(port: number): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req).then(
        ({status, body}) => {
          res.writeHead(status, body === undefined ? {} : {"content-type": "application/json"});
          res.end(body === undefined ? undefined : JSON.stringify(body));
        },
        (e: Error) => {
          res.writeHead(400, {"content-type": "application/json"});
          res.end(JSON.stringify({code: 400, message: e.message}));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.server = server;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{status: number; body?: unknown}> {
    const url = req.url ?? "";
    if (req.method === "GET" && url.startsWith("/eth/v1/builder/status")) return {status: 200};
    if (req.method === "GET" && url.startsWith("/eth/v1/builder/header/")) {
      this.headerRequests++;
      return {status: 204};
    }
    if (req.method === "POST" && url.startsWith("/eth/v1/builder/validators")) {
      const json = JSON.parse(await readBody(req)) as unknown[];
      for (const item of json) {
        const signed = ssz.bellatrix.SignedValidatorRegistrationV1.fromJson(item);
        this.registrations.push({
          pubkey: hex(signed.message.pubkey),
          feeRecipient: hex(signed.message.feeRecipient),
          gasLimit: signed.message.gasLimit,
          timestamp: signed.message.timestamp,
          signature: hex(signed.signature),
          valid: this.verify(signed),
        });
      }
      return {status: 200};
    }
    return {status: 404, body: {code: 404, message: `not a builder route: ${req.method} ${url}`}};
  }

  private verify(signed: ReturnType<typeof ssz.bellatrix.SignedValidatorRegistrationV1.fromJson>): boolean {
    if (this.domain === null) return false;
    try {
      const objectRoot = ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(signed.message);
      const root = ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain: this.domain});
      return verify(
        root,
        PublicKey.fromBytes(signed.message.pubkey, true),
        Signature.fromBytes(signed.signature, true),
      );
    } catch {
      return false;
    }
  }
}

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}
