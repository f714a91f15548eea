export { type ErrorCode, errorCodes } from './codes';
export { assertNever, ConveyorError, type ConveyorErrorOptions, isConveyorError } from './conveyor-error';
