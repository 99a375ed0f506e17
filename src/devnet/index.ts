/**
 * `cohort/devnet`: the simulated beacon chain (a Beacon API server with a built-in chain that checks
 * and books every duty) and the local cluster that `cohort devnet` runs, for hosts' tests and examples.
 * The simulated chain runs on the preset @lodestar/params loaded (set LODESTAR_PRESET=minimal before
 * anything imports it for 8-slot epochs).
 */
export {
  type BlobsAndProofs,
  type ChainClock,
  createSimChainConfig,
  DEFAULT_FULU_FORK_EPOCH,
  DEFAULT_SECONDS_PER_SLOT,
  type DutyCounts,
  type DutyRecord,
  type DutyRejection,
  type DutyStatus,
  type HeadEvent,
  interopPublicKeys,
  interopSecretKey,
  ManualClock as ManualChainClock,
  type ProducedBlockContents,
  type SimChainConfigOpts,
  SimChainError,
  type SimChainErrorType,
  type SimChainStats,
  SimOperations,
  SimulatedBeaconNode,
  type SimulatedBeaconNodeModules,
  type SimulatedBeaconNodeOpts,
  SimulatedChain,
  type SimulatedChainModules,
  type SimulatedChainOpts,
  type SlashableEvent,
  ValidatorSet,
} from "./beacon/index.js";
export {type ExternalBeaconOpts, type ExternalChain, prepareExternalBeacon} from "./externalBeacon.js";
export {
  DEVNET_FORKS,
  type DevnetFork,
  describeForkSchedule,
  type ForkSchedule,
  ForkSpecError,
  type ForkSpecErrorType,
  parseForkSchedule,
} from "./forkSpec.js";
export {type IndexRange, parseIndexRange} from "./interop.js";
export {
  freePorts,
  type LocalCluster,
  type LocalClusterOpts,
  type PreparedDevnet,
  prepareDevnet,
  prepareExternalDevnet,
  startLocalCluster,
  startLocalClusterOnBeacon,
} from "./localCluster.js";
export {
  checkLockSettings,
  type LockCheckInput,
  type LockSettingsCheck,
  lockSettingsOnChain,
  type RegistrationView,
} from "./lockChecks.js";
export {
  type DevnetSummary,
  isAccepted,
  type OutcomeDutyCounts,
  type OutcomeSummary,
  summarize,
  summarizeOutcomes,
} from "./summary.js";
