import {routes} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {ForkName, isForkPostDeneb} from "@lodestar/params";
import {
  ArrayOf,
  type Attestation,
  type BeaconBlock,
  type BLSSignature,
  type BlindedBeaconBlock,
  type BlockContents,
  type phase0,
  type Root,
  type SignedBeaconBlock,
  type SignedBlindedBeaconBlock,
  type SignedBlockContents,
  type Slot,
  ssz,
  sszTypesFor,
} from "@lodestar/types";
import {fromHex, toHex} from "../util/hex.js";

/**
 * The Beacon API routes a validator client of the Deneb era still uses and `@lodestar/api` (1.48) no longer
 * defines: the v1 forms of attestation submission, aggregation and block publication (Lodestar v1.22's VC
 * uses them before Electra), and block production v2 / blinded v1 (its `--produceBlockV3 false` path).
 * Written in `@lodestar/api`'s own route-definition shape, so `createFastifyRoute` serves them and an
 * `HttpClient` calls them; codecs and schemas are taken from the v2 definitions where they are the same.
 */
export interface LegacyEndpointArgs {
  submitPoolAttestations: {signedAttestations: phase0.Attestation[]};
  getAggregatedAttestation: {attestationDataRoot: Root; slot: Slot};
  publishAggregateAndProofs: {signedAggregateAndProofs: phase0.SignedAggregateAndProof[]};
  publishBlock: {signedBlockOrContents: SignedBlockContents | SignedBeaconBlock};
  publishBlindedBlock: {signedBlindedBlock: SignedBlindedBeaconBlock};
  produceBlockV2: {slot: Slot; randaoReveal: BLSSignature; graffiti?: string};
  produceBlindedBlock: {slot: Slot; randaoReveal: BLSSignature; graffiti?: string};
}

/** The route ids, as the application methods of createIntercepts name them. */
export type LegacyRouteId = keyof LegacyEndpointArgs;

/** What the produce routes answer: the block (contents from Deneb on, or blinded) and its fork. */
export interface LegacyProduced {
  data: BeaconBlock | BlockContents | BlindedBeaconBlock;
  meta: {version: ForkName};
}

/** cohort's handlers of the legacy routes (see createIntercepts). */
export interface LegacyIntercepts {
  submitPoolAttestations(args: LegacyEndpointArgs["submitPoolAttestations"]): Promise<void>;
  getAggregatedAttestation(args: LegacyEndpointArgs["getAggregatedAttestation"]): Promise<{data: Attestation}>;
  publishAggregateAndProofs(args: LegacyEndpointArgs["publishAggregateAndProofs"]): Promise<void>;
  publishBlock(args: LegacyEndpointArgs["publishBlock"]): Promise<void>;
  publishBlindedBlock(args: LegacyEndpointArgs["publishBlindedBlock"]): Promise<void>;
  produceBlockV2(args: LegacyEndpointArgs["produceBlockV2"]): Promise<LegacyProduced>;
  produceBlindedBlock(args: LegacyEndpointArgs["produceBlindedBlock"]): Promise<LegacyProduced>;
}

/** A route definition in `@lodestar/api`'s shape (its RouteDefinition type is not exported). */
export interface LegacyRouteDefinition {
  url: string;
  method: "GET" | "POST";
  req: Record<string, unknown>;
  resp: Record<string, unknown>;
  init?: Record<string, unknown>;
}

const VERSION_HEADER = "eth-consensus-version";
const AttestationListPhase0 = ArrayOf(ssz.phase0.Attestation);
const SignedAggregateAndProofListPhase0 = ArrayOf(ssz.phase0.SignedAggregateAndProof);

/** The fork named by a request's Eth-Consensus-Version header, or of `slot` when the header is absent. */
function forkOf(config: BeaconConfig, headers: Record<string, string | string[] | undefined>, slot: () => number) {
  const raw = headers[VERSION_HEADER] ?? headers["Eth-Consensus-Version"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return config.getForkName(slot());
  const fork = value.toLowerCase();
  if (!Object.values(ForkName).includes(fork as ForkName)) throw new Error(`Invalid fork name ${value}`);
  return fork as ForkName;
}

function blockSlotOfJson(body: unknown): number {
  const b = body as {signed_block?: {message: {slot: string}}; message?: {slot: string}};
  return Number((b.signed_block ?? b).message?.slot ?? 0);
}

export function legacyDefinitions(config: BeaconConfig): Record<LegacyRouteId, LegacyRouteDefinition> {
  const beacon = routes.beacon.getDefinitions(config);
  const validator = routes.validator.getDefinitions(config);
  const emptyResponse = beacon.submitPoolAttestationsV2.resp;
  const emptyMeta = validator.produceAttestationData.resp.meta;
  const versionMeta = validator.getAggregatedAttestationV2.resp.meta;
  const aggSchema = validator.getAggregatedAttestationV2.req.schema as {query: Record<string, unknown>};
  const v3 = validator.produceBlockV3;
  const v3Schema = v3.req.schema as {params: Record<string, unknown>; query: Record<string, unknown>};
  const objectArray = (beacon.submitPoolAttestationsV2.req.schema as {body: unknown}).body;
  const object = (beacon.publishBlockV2.req.schema as {body: unknown}).body;
  const headerString = (beacon.publishBlindedBlockV2.req.schema as {headers: Record<string, unknown>}).headers[
    "Eth-Consensus-Version"
  ];

  const fullBlockTypes = (fork: ForkName) => sszTypesFor(fork);
  // Deneb's, Electra's and Fulu's SignedBlockContents differ in their block only: called on the fork's own type.
  const contentsType = (fork: ForkName) =>
    (ssz[fork as ForkName.deneb] as unknown as typeof ssz.deneb).SignedBlockContents;
  const blindedTypes = (fork: ForkName) =>
    sszTypesFor(fork as ForkName.deneb) as unknown as {
      SignedBlindedBeaconBlock: typeof ssz.deneb.SignedBlindedBeaconBlock;
      BlindedBeaconBlock: typeof ssz.deneb.BlindedBeaconBlock;
    };
  const isContents = (v: SignedBlockContents | SignedBeaconBlock): v is SignedBlockContents => "signedBlock" in v;
  const signedSlot = (v: SignedBlockContents | SignedBeaconBlock) =>
    isContents(v) ? v.signedBlock.message.slot : v.message.slot;

  const produceReq = {
    writeReq: ({slot, randaoReveal, graffiti}: LegacyEndpointArgs["produceBlockV2"]) => ({
      params: {slot},
      query: {randao_reveal: toHex(randaoReveal), graffiti},
    }),
    parseReq: ({params, query}: {params: {slot: number}; query: {randao_reveal: string; graffiti?: string}}) => ({
      slot: params.slot,
      randaoReveal: fromHex(query.randao_reveal),
      graffiti: query.graffiti,
    }),
    schema: {
      params: {slot: v3Schema.params.slot},
      query: {randao_reveal: v3Schema.query.randao_reveal, graffiti: v3Schema.query.graffiti},
    },
  };
  // The v3 data codec, told what v2 / blinded v1 return (their meta is the version only).
  const v3Data = v3.resp.data as unknown as {
    toJson(d: unknown, meta: unknown): unknown;
    fromJson(d: unknown, meta: unknown): unknown;
    serialize(d: unknown, meta: unknown): Uint8Array;
    deserialize(d: Uint8Array, meta: unknown): unknown;
  };
  const producedAs = (blinded: boolean) => {
    const meta = (m: {version: ForkName}) => ({...m, executionPayloadBlinded: blinded});
    return {
      toJson: (d: unknown, m: {version: ForkName}) => v3Data.toJson(d, meta(m)),
      fromJson: (d: unknown, m: {version: ForkName}) => v3Data.fromJson(d, meta(m)),
      serialize: (d: unknown, m: {version: ForkName}) => v3Data.serialize(d, meta(m)),
      deserialize: (d: Uint8Array, m: {version: ForkName}) => v3Data.deserialize(d, meta(m)),
    };
  };

  return {
    submitPoolAttestations: {
      url: "/eth/v1/beacon/pool/attestations",
      method: "POST",
      req: {
        writeReqJson: ({signedAttestations}: LegacyEndpointArgs["submitPoolAttestations"]) => ({
          body: AttestationListPhase0.toJson(signedAttestations),
        }),
        parseReqJson: ({body}: {body: unknown}) => ({signedAttestations: AttestationListPhase0.fromJson(body)}),
        writeReqSsz: ({signedAttestations}: LegacyEndpointArgs["submitPoolAttestations"]) => ({
          body: AttestationListPhase0.serialize(signedAttestations),
        }),
        parseReqSsz: ({body}: {body: Uint8Array}) => ({signedAttestations: AttestationListPhase0.deserialize(body)}),
        schema: {body: objectArray},
      },
      resp: emptyResponse,
    },

    getAggregatedAttestation: {
      url: "/eth/v1/validator/aggregate_attestation",
      method: "GET",
      req: {
        writeReq: ({attestationDataRoot, slot}: LegacyEndpointArgs["getAggregatedAttestation"]) => ({
          query: {attestation_data_root: toHex(attestationDataRoot), slot},
        }),
        parseReq: ({query}: {query: {attestation_data_root: string; slot: number}}) => ({
          attestationDataRoot: fromHex(query.attestation_data_root),
          slot: query.slot,
        }),
        schema: {query: {attestation_data_root: aggSchema.query.attestation_data_root, slot: aggSchema.query.slot}},
      },
      resp: {data: ssz.phase0.Attestation, meta: emptyMeta},
    },

    publishAggregateAndProofs: {
      url: "/eth/v1/validator/aggregate_and_proofs",
      method: "POST",
      req: {
        writeReqJson: ({signedAggregateAndProofs}: LegacyEndpointArgs["publishAggregateAndProofs"]) => ({
          body: SignedAggregateAndProofListPhase0.toJson(signedAggregateAndProofs),
        }),
        parseReqJson: ({body}: {body: unknown}) => ({
          signedAggregateAndProofs: SignedAggregateAndProofListPhase0.fromJson(body),
        }),
        writeReqSsz: ({signedAggregateAndProofs}: LegacyEndpointArgs["publishAggregateAndProofs"]) => ({
          body: SignedAggregateAndProofListPhase0.serialize(signedAggregateAndProofs),
        }),
        parseReqSsz: ({body}: {body: Uint8Array}) => ({
          signedAggregateAndProofs: SignedAggregateAndProofListPhase0.deserialize(body),
        }),
        schema: {body: objectArray},
      },
      resp: emptyResponse,
    },

    // The version header is optional for JSON (the fork of the block's slot then), required for SSZ.
    publishBlock: {
      url: "/eth/v1/beacon/blocks",
      method: "POST",
      req: {
        writeReqJson: ({signedBlockOrContents}: LegacyEndpointArgs["publishBlock"]) => {
          const fork = config.getForkName(signedSlot(signedBlockOrContents));
          return {
            body: isForkPostDeneb(fork)
              ? contentsType(fork).toJson(signedBlockOrContents as never)
              : fullBlockTypes(fork).SignedBeaconBlock.toJson(signedBlockOrContents as never),
            headers: {"Eth-Consensus-Version": fork},
          };
        },
        parseReqJson: ({body, headers}: {body: unknown; headers: Record<string, string>}) => {
          const fork = forkOf(config, headers, () => blockSlotOfJson(body));
          return {
            signedBlockOrContents: isForkPostDeneb(fork)
              ? contentsType(fork).fromJson(body)
              : fullBlockTypes(fork).SignedBeaconBlock.fromJson(body),
          };
        },
        writeReqSsz: ({signedBlockOrContents}: LegacyEndpointArgs["publishBlock"]) => {
          const fork = config.getForkName(signedSlot(signedBlockOrContents));
          return {
            body: isForkPostDeneb(fork)
              ? contentsType(fork).serialize(signedBlockOrContents as never)
              : fullBlockTypes(fork).SignedBeaconBlock.serialize(signedBlockOrContents as never),
            headers: {"Eth-Consensus-Version": fork},
          };
        },
        parseReqSsz: ({body, headers}: {body: Uint8Array; headers: Record<string, string>}) => {
          const fork = forkOf(config, headers, () => {
            throw new Error("Eth-Consensus-Version header is required for an SSZ block");
          });
          return {
            signedBlockOrContents: isForkPostDeneb(fork)
              ? contentsType(fork).deserialize(body)
              : fullBlockTypes(fork).SignedBeaconBlock.deserialize(body),
          };
        },
        schema: {body: object, headers: {"Eth-Consensus-Version": headerString}},
      },
      resp: emptyResponse,
    },

    publishBlindedBlock: {
      url: "/eth/v1/beacon/blinded_blocks",
      method: "POST",
      req: {
        writeReqJson: ({signedBlindedBlock}: LegacyEndpointArgs["publishBlindedBlock"]) => {
          const fork = config.getForkName(signedBlindedBlock.message.slot);
          return {
            body: blindedTypes(fork).SignedBlindedBeaconBlock.toJson(signedBlindedBlock as never),
            headers: {"Eth-Consensus-Version": fork},
          };
        },
        parseReqJson: ({body, headers}: {body: unknown; headers: Record<string, string>}) => {
          const fork = forkOf(config, headers, () => blockSlotOfJson(body));
          return {signedBlindedBlock: blindedTypes(fork).SignedBlindedBeaconBlock.fromJson(body)};
        },
        writeReqSsz: ({signedBlindedBlock}: LegacyEndpointArgs["publishBlindedBlock"]) => {
          const fork = config.getForkName(signedBlindedBlock.message.slot);
          return {
            body: blindedTypes(fork).SignedBlindedBeaconBlock.serialize(signedBlindedBlock as never),
            headers: {"Eth-Consensus-Version": fork},
          };
        },
        parseReqSsz: ({body, headers}: {body: Uint8Array; headers: Record<string, string>}) => {
          const fork = forkOf(config, headers, () => {
            throw new Error("Eth-Consensus-Version header is required for an SSZ block");
          });
          return {signedBlindedBlock: blindedTypes(fork).SignedBlindedBeaconBlock.deserialize(body)};
        },
        schema: {body: object, headers: {"Eth-Consensus-Version": headerString}},
      },
      resp: emptyResponse,
    },

    produceBlockV2: {
      url: "/eth/v2/validator/blocks/{slot}",
      method: "GET",
      req: produceReq,
      resp: {data: producedAs(false), meta: versionMeta},
    },

    produceBlindedBlock: {
      url: "/eth/v1/validator/blinded_blocks/{slot}",
      method: "GET",
      req: produceReq,
      resp: {data: producedAs(true), meta: versionMeta},
    },
  };
}
