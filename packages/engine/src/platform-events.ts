/**
 * Events the platform itself sends to waiting steps, under a prefix no tenant may send or wait for: a
 * child run's end (keyed by the child run's id) and an approval's decision (keyed by the step run's id).
 */
export const PLATFORM_EVENT_PREFIX = 'conveyor.';

/** `childRunEnded` is also written in the trigger that sends it (prisma/beyond-prisma.sql). */
export const platformEvents = {
  childRunEnded: `${PLATFORM_EVENT_PREFIX}run.ended`,
  approval: `${PLATFORM_EVENT_PREFIX}approval`,
} as const;

/** Why a tenant may not send or wait for an event of this name, or null when it may. */
export function eventNameProblem(name: string): string | null {
  return name.startsWith(PLATFORM_EVENT_PREFIX) ? `names starting with "${PLATFORM_EVENT_PREFIX}" are the platform’s` : null;
}
