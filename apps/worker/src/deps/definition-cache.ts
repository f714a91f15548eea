import { type WorkflowDefinition, workflowDefinitionSchema } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';

/**
 * Parsed definitions by WorkflowVersion id. Versions are immutable, so an entry never goes stale;
 * the map is bounded and forgets its oldest entry first.
 */
export function createDefinitionCache(maxEntries = 1_000) {
  const cache = new Map<string, WorkflowDefinition>();
  return {
    /** The definition if this process has parsed it already. */
    peek(versionId: string): WorkflowDefinition | undefined {
      return cache.get(versionId);
    },
    get(versionId: string, raw: unknown): WorkflowDefinition {
      const cached = cache.get(versionId);
      if (cached) return cached;
      const parsed = workflowDefinitionSchema.safeParse(raw);
      if (!parsed.success) {
        throw new ConveyorError({
          code: 'VALIDATION_FAILED',
          message: `workflow version ${versionId} holds an invalid definition`,
          details: { workflowVersionId: versionId, issues: parsed.error.issues },
        });
      }
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(versionId, parsed.data);
      return parsed.data;
    },
  };
}

export type DefinitionCache = ReturnType<typeof createDefinitionCache>;
