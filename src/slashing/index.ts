export {
  InterchangeError,
  type InterchangeErrorType,
  SlashingProtectionError,
  type SlashingProtectionErrorType,
} from "./errors.js";
export {type InterchangeEntry, type InterchangeV5, parseInterchange} from "./interchange.js";
export {createSlashingMetrics, type SlashingMetrics} from "./metrics.js";
export {
  type ImportSummary,
  SLASHING_DB_FILE,
  SlashingProtection,
  type SlashingProtectionModules,
  type SlashingProtectionOpts,
} from "./slashingProtection.js";
export type {
  AttestationBatchItem,
  BlockBatchItem,
  SafeStatus,
  SignedAttestationRecord,
  SignedBlockRecord,
} from "./types.js";
