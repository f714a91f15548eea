import { ConveyorError } from '@conveyor/errors';
import { z } from 'zod';

/** The caller as Hasura resolved it. The tenant is trusted only from here, never from `input`. */
export interface ActionSession {
  role: string;
  tenantId: string;
  userId: string | undefined;
}

const uuid = z.string().uuid();

export function sessionFrom(variables: Record<string, string>): ActionSession {
  const session = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key.toLowerCase(), value]));
  const tenantId = uuid.safeParse(session['x-hasura-tenant-id']);
  if (!tenantId.success) {
    throw new ConveyorError({
      code: 'FORBIDDEN',
      message: 'session_variables.x-hasura-tenant-id: the caller has no tenant',
      details: { field: 'session_variables.x-hasura-tenant-id' },
    });
  }
  return { role: session['x-hasura-role'] ?? 'anonymous', tenantId: tenantId.data, userId: session['x-hasura-user-id'] };
}
