import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run atomically in Redis, sent by its SHA once Redis knows it.
 * A Redis that restarted has forgotten its scripts (NOSCRIPT): the script is
 * then sent whole, which also loads it again.
 */
export type Script = (redis: Redis, keys: string[], args: Array<string | number>) => Promise<unknown>;

export function script(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
