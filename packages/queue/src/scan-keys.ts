import { Cluster } from 'ioredis';
import type { Redis } from './connection';

/**
 * Every key matching `pattern`, by SCAN. On a cluster each master holds its own keys and SCAN reads one
 * node, so every master is scanned.
 */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}
