export {type CombineResult, combineShares, type ValidatorKeys} from "./combine.js";
export {
  Combiner,
  type CombinerModules,
  type CombinerOpts,
  type ShareSubmission,
  type SubmitResult,
} from "./combiner.js";
export {blamedShareIndex, CombineError, type CombineErrorType} from "./errors.js";
export {initHerumi} from "./herumi.js";
export {type CombineMetrics, createCombineMetrics} from "./metrics.js";
export {type ParsedShare, recoverSignature, recoverVerified} from "./recover.js";
export {defaultThreshold, resolveThreshold, unsafeThresholdWarning} from "./threshold.js";
export {
  isValidShare,
  parseShareSignature,
  type ShareCheck,
  type SignatureShare,
  verifyShare,
  verifyShareBatch,
  verifyShareBatchAsync,
} from "./verify.js";
export {VerifyPool, type VerifyPoolOpts} from "./verifyPool.js";
