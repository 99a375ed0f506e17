/**
 * `cohort/eth`: the Ethereum adapters: a Beacon API client with fallback over several BNs, Web3Signer
 * client and server, the in-process share signer, signing roots, and chain configs by network name.
 */
export {
  BeaconNodeClient,
  type BeaconNodeClientModules,
  type BeaconNodeClientOpts,
  type BeaconNodeHealth,
  type BeaconNodeState,
  type DutiesWithDependentRoot,
  fetchBeaconConfig,
  type ProducedBlock,
  type SubmitResult,
} from "./beaconNode.js";
export {
  type BeaconNodeAttempt,
  BeaconNodeError,
  type BeaconNodeErrorType,
  SignerError,
  type SignerErrorType,
  SigningError,
  type SigningErrorType,
} from "./errors.js";
export {LocalShareSigner, type LocalShareSignerModules, type LocalShareSignerOpts} from "./localSigner.js";
export {createEthMetrics, type EthMetrics} from "./metrics.js";
export {
  assertPresetMatches,
  beaconConfig,
  chainConfigFromYaml,
  customChainConfig,
  electraScheduled,
  isNetworkName,
  NETWORK_NAMES,
  NetworkError,
  type NetworkErrorType,
  type NetworkName,
  namedChainConfig,
  namedGenesisValidatorsRoot,
  specFromConfigYaml,
  UNNAMED_NETWORKS,
} from "./network.js";
export {
  SignerServer,
  type SignerServerModules,
  type SignerServerOpts,
  type SignerSlashingProtection,
} from "./signerServer.js";
export {
  type RunningSigner,
  type SignerServiceModules,
  type SignerServiceOpts,
  startSignerService,
} from "./signerService.js";
export {
  type BlockSignable,
  blockToSignable,
  computeDomain,
  computeMessageSigningRoot,
  forkInfoForMessage,
  SIGNABLE_MESSAGE_TYPES,
  type SignableMessage,
  type SignableMessageType,
  type SigningForkInfo,
  type SyncCommitteeMessageData,
  signingRootOnNetwork,
} from "./signing.js";
export {
  SignatureBatchChecker,
  type SignatureBatchCheckerModules,
  type SignatureBatchCheckerOpts,
} from "./signingCheck.js";
export {verifies, Web3SignerClient, type Web3SignerClientModules, type Web3SignerClientOpts} from "./web3signer.js";
