import { ConveyorError } from '@conveyor/errors';

/** The INVALID_CONFIG error naming each problem (`NAME: what is wrong`). */
export function invalidConfig(problems: string[]): ConveyorError {
  return new ConveyorError({
    code: 'INVALID_CONFIG',
    message: `invalid environment: ${problems.join('; ')}`,
    details: { problems },
  });
}
