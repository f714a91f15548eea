import { jsonBytes, type WorkflowDefinition, workflowDefinitionSchema } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';

export interface DefinitionCacheLimits {
  maxEntries: number;
  /** The total size of the cached definitions, counted as their stored JSON. */
  maxBytes: number;
}

const defaultLimits: DefinitionCacheLimits = { maxEntries: 1_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Parsed definitions by WorkflowVersion id. Versions are immutable, so an entry never goes stale;
 * the map is bounded by count and by bytes (a tenant's large definitions cannot fill the heap), and
 * forgets its oldest entries first. A definition larger than the whole budget is parsed, not kept.
 */
export function createDefinitionCache(limits: DefinitionCacheLimits = defaultLimits) {
  const cache = new Map<string, { definition: WorkflowDefinition; bytes: number }>();
  let totalBytes = 0;
  const evictOldest = () => {
    const [oldest, entry] = cache.entries().next().value as [string, { bytes: number }];
    cache.delete(oldest);
    totalBytes -= entry.bytes;
  };
  return {
    /** The definition if this process has parsed it already. */
    peek(versionId: string): WorkflowDefinition | undefined {
      return cache.get(versionId)?.definition;
    },
    get(versionId: string, raw: unknown): WorkflowDefinition {
      const cached = cache.get(versionId);
      if (cached) return cached.definition;
      const parsed = workflowDefinitionSchema.safeParse(raw);
      if (!parsed.success) {
        throw new ConveyorError({
          code: 'VALIDATION_FAILED',
          message: `workflow version ${versionId} holds an invalid definition`,
          details: { workflowVersionId: versionId, issues: parsed.error.issues },
        });
      }
      const bytes = jsonBytes(raw, limits.maxBytes);
      if (bytes > limits.maxBytes) return parsed.data;
      while (cache.size > 0 && (cache.size >= limits.maxEntries || totalBytes + bytes > limits.maxBytes)) evictOldest();
      cache.set(versionId, { definition: parsed.data, bytes });
      totalBytes += bytes;
      return parsed.data;
    },
    /** How much the cache holds. */
    size(): { entries: number; bytes: number } {
      return { entries: cache.size, bytes: totalBytes };
    },
  };
}

export type DefinitionCache = ReturnType<typeof createDefinitionCache>;
