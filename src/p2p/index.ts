/**
 * `cohort/p2p`: the co-validator network (libp2p, authenticated envelopes) and the operator identity key.
 * What a host reuses to run cohort's consensus or share exchange over its own transport is the
 * `Network` interface; `MemoryHub` is an in-memory one for tests.
 */
export type {Network, NetworkMessage, PeerStatus, Topic} from "../duties/interfaces.js";
export {P2pError, type P2pErrorType} from "./errors.js";
export {IdentityKey, isValidIdentityPublicKey, verifyIdentitySignature} from "./identity.js";
export {type DeliveryScheduler, type MemoryFilter, MemoryHub, type MemoryHubOpts} from "./memoryNetwork.js";
export {createP2pMetrics, type P2pMetrics} from "./metrics.js";
export {
  Libp2pNetwork,
  type Libp2pNetworkModules,
  type Libp2pNetworkOpts,
  type PeerConnectionEvent,
} from "./network.js";
export type {ClusterPeer} from "./peers.js";
