import { describe, expect, it } from 'vitest';
import { resolveHubOptionsFromEnv } from '../src/index.js';

describe('resolveHubOptionsFromEnv', () => {
  it('reads PARLEY_* variables', () => {
    expect(
      resolveHubOptionsFromEnv({
        PARLEY_HOST: '0.0.0.0',
        PARLEY_PORT: '9000',
        PARLEY_DATA_DIR: '/tmp/x',
        PARLEY_LOG_LEVEL: 'debug',
        PARLEY_HEARTBEAT_MS: '1000',
        PARLEY_RATE_LIMIT: '10/20',
        PARLEY_RETENTION_MS: '5000',
      }),
    ).toEqual({ host: '0.0.0.0', port: 9000, dataDir: '/tmp/x', logLevel: 'debug', heartbeatMs: 1000, rateLimit: { perSecond: 10, burst: 20 }, retentionMs: 5000 });
    expect(resolveHubOptionsFromEnv({ PARLEY_RATE_LIMIT: 'off' })).toEqual({ rateLimit: false });
    expect(resolveHubOptionsFromEnv({})).toEqual({});
  });

  it('rejects malformed values', () => {
    expect(() => resolveHubOptionsFromEnv({ PARLEY_PORT: 'abc' })).toThrow(/PARLEY_PORT/);
    expect(() => resolveHubOptionsFromEnv({ PARLEY_RATE_LIMIT: 'fast' })).toThrow(/PARLEY_RATE_LIMIT/);
  });
});
