/**
 * `cohort`: the distributed validator node a host embeds, in the Lodestar idiom `new CohortNode(opts,
 * modules)`, `start()` / `stop()`, typed "duty" and "peer" events; plus what it takes to configure one.
 * The reusable components have their own entries: cohort/cluster, cohort/combine, cohort/consensus,
 * cohort/slashing, cohort/p2p, cohort/eth, cohort/devnet.
 */
export {
  type ClusterLock,
  type ClusterNetwork,
  type ClusterOperator,
  type ClusterValidator,
  type LoadedNode,
  loadClusterLock,
  loadIdentityKeyFile,
  loadNode,
  type NodeKeyShare,
} from "./cluster/index.js";
export type {AttesterBeaconNode, ShareSigner} from "./duties/attester.js";
export {type Clock, systemClock} from "./duties/clock.js";
export type {Network} from "./duties/interfaces.js";
export type {DutyFailureReason, DutyOutcome} from "./duties/outcome.js";
export type {ProposerBeaconNode} from "./duties/proposer.js";
export type {SignableMessage} from "./eth/signing.js";
export {IdentityKey} from "./p2p/identity.js";
export type {PeerConnectionEvent} from "./p2p/network.js";
export {NodeError, type NodeErrorType} from "./plugin/errors.js";
export {
  CohortNode,
  type CohortNodeEvents,
  type CohortNodeModules,
  type CohortNodeOpts,
  type DutyBeaconNode,
  localShareSigner,
  type NodeFaults,
  type NodeSigner,
  type NodeSignerFactory,
  type PeerEvent,
} from "./plugin/node.js";
export {CohortError} from "./util/errors.js";
export {createLogger, type Logger, type LoggerOpts, type LogLevel, nullLogger} from "./util/logger.js";
