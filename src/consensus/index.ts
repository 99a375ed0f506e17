export {identityAuth, type MessageAuth} from "./auth.js";
export {decodeMessage, encodeMessage, hashValue, MAX_OPERATORS, MAX_VALUE_BYTES} from "./codec.js";
export {ConsensusError, type ConsensusErrorType} from "./errors.js";
export {type ConsensusMetrics, createConsensusMetrics} from "./metrics.js";
export type {Decision, GiveUpReason} from "./qbft.js";
export {
  type Clock,
  type Consensus,
  type ConsensusModules,
  ConsensusService,
  type ConsensusServiceOpts,
  type DecideOpts,
  type DecideResult,
  systemClock,
} from "./service.js";
export {DutyType, faultTolerance, leaderOf, quorumSize} from "./types.js";
