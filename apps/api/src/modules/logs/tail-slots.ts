import { ConveyorError } from '@conveyor/errors';

export interface TailSlotLimits {
  /** Live tails one caller (a user, or an API key) may hold open at once. */
  perCaller: number;
  /** Live tails this api process serves at once. */
  total: number;
}

/**
 * Counts open log tails, per caller and in total, so one member cannot hold the api's connections
 * and log-store polls. `acquire` throws RATE_LIMITED (429) when either bound is reached; the
 * release it returns is idempotent.
 */
export function createTailSlots(limits: TailSlotLimits) {
  const perCaller = new Map<string, number>();
  let total = 0;
  return {
    acquire(callerKey: string): () => void {
      const held = perCaller.get(callerKey) ?? 0;
      if (held >= limits.perCaller) {
        throw new ConveyorError({
          code: 'RATE_LIMITED',
          message: `at most ${limits.perCaller} live log tails per user; close one first`,
          details: { limit: limits.perCaller },
        });
      }
      if (total >= limits.total) {
        throw new ConveyorError({
          code: 'RATE_LIMITED',
          message: 'the api is serving all the live log tails it can; retry later',
        });
      }
      perCaller.set(callerKey, held + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (perCaller.get(callerKey) ?? 1) - 1;
        if (left === 0) perCaller.delete(callerKey);
        else perCaller.set(callerKey, left);
      };
    },
  };
}

export type TailSlots = ReturnType<typeof createTailSlots>;
