export { type ErrorCode, errorCodes, type FailureCode, failureCodes, isRetryableFailure } from './codes';
export { assertNever, ConveyorError, type ConveyorErrorOptions, isConveyorError } from './conveyor-error';
