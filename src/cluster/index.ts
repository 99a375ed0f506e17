export {
  type ClusterDepositOpts,
  type ClusterPlan,
  type CreateClusterModules,
  type CreateClusterOpts,
  createCluster,
  DEFAULT_BASE_PORT,
  DEFAULT_DEPOSIT_GWEI,
  devnetAddress,
  type Progress,
  planCluster,
} from "./create.js";
export {
  buildDepositData,
  type DepositDataJson,
  depositDataFileName,
  executionWithdrawalCredentials,
  parseAddressList,
  parseDepositAmount,
  parseExecutionAddress,
  type VerifyDepositOpts,
  verifyDepositData,
} from "./deposit.js";
export {type CombineKeysModules, type CombineKeysOpts, combineClusterKeys} from "./dissolve.js";
export {ClusterError, type ClusterErrorType, DepositError, type DepositErrorType} from "./errors.js";
export {
  DEFAULT_KDF,
  type DecryptedKey,
  decryptKeystoreDir,
  decryptKeystoreFile,
  encryptKeystore,
  type KdfOption,
  KeystoreError,
  type KeystoreErrorType,
  readPasswordFile,
  validateKdf,
} from "./keystores.js";
export {
  CLUSTER_LOCK_FILE,
  CLUSTER_LOCK_VERSION,
  CLUSTER_LOCK_VERSION_V1,
  type ClusterLock,
  type ClusterLockBody,
  type ClusterLockV1,
  type ClusterOperator,
  type ClusterValidator,
  computeLockHash,
  loadClusterLock,
  parseClusterLock,
  parseClusterLockV1,
  publicKeySharesOf,
  sealClusterLock,
  serializeClusterLock,
  validatorKeysFromLock,
} from "./lock.js";
export {LockSsz, MAX_LOCK_OPERATORS, MAX_LOCK_VALIDATORS} from "./lockHash.js";
export {type ClusterNetwork, knownNetwork, resolveNetwork} from "./networks.js";
export {
  IDENTITY_KEY_FILE,
  keystoreFileName,
  type LoadedNode,
  loadIdentityKeyFile,
  loadNode,
  loadNodeIdentity,
  loadNodeKeyShares,
  type NodeKeyShare,
  nodeDirName,
  PASSWORD_FILE,
  VALIDATOR_KEYS_DIR,
} from "./node.js";
export {OPERATOR_SIGNATURE_DOMAIN, signLockHash, verifyLockHashSignature} from "./operatorSignature.js";
export {libp2pPrivateKeyOf, peerIdOfIdentityKey} from "./peerId.js";
export {type RandomBytes, secureRandom, seededRandom} from "./random.js";
export {
  type ClusterBuilderRegistration,
  DEFAULT_GAS_LIMIT,
  signBuilderRegistration,
  toSignedValidatorRegistration,
  verifyBuilderRegistration,
} from "./registration.js";
export {BLS_CURVE_ORDER, lagrangeAtZero, recoverSecretKey, splitSecretKey} from "./shamir.js";
export {
  CLUSTER_LOCK_V1_BACKUP,
  type UpgradeLockModules,
  type UpgradeLockOpts,
  upgradeClusterLock,
} from "./upgrade.js";
