export {DecidedBlocks} from "./decidedBlocks.js";
export {VapiError, type VapiErrorType} from "./errors.js";
export {ShareKeyMap} from "./keyMap.js";
export type {CombinedShares} from "./methods.js";
export {createVapiMetrics, type VapiMetrics} from "./metrics.js";
export {ValidatorApiMode, type ValidatorApiModeModules, type ValidatorApiModeOpts} from "./mode.js";
export {ValidatorApiServer, type ValidatorApiServerModules, type ValidatorApiServerOpts} from "./server.js";
export {VcSyncMessageStore} from "./syncMessages.js";
export {isValidPartialSignature, type PendingSignature, ValidatorClientSigner} from "./vcSigner.js";
