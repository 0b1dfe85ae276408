import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
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

  it('reads the edge limits', () => {
    expect(
      resolveHubOptionsFromEnv({
        PARLEY_ADDRESS_RATE_LIMIT: '100/300',
        PARLEY_REGISTER_RATE_LIMIT: '0.5/20',
        PARLEY_TOKEN_RATE_LIMIT: 'off',
        PARLEY_CLOSE_TIMEOUT_MS: '90000',
        PARLEY_MAX_JSON_DEPTH: '32',
      }),
    ).toEqual({
      addressRateLimit: { perSecond: 100, burst: 300 },
      registerRateLimit: { perSecond: 0.5, burst: 20 },
      tokenRateLimit: false,
      closeTimeoutMs: 90_000,
      maxJsonDepth: 32,
    });
    expect(
      resolveHubOptionsFromEnv({
        PARLEY_TOKEN_TTL_SECONDS: '3600',
        PARLEY_MAX_TOKENS_PER_AGENT: '5',
        PARLEY_MAX_SESSIONS_PER_AGENT: 'off',
        PARLEY_MAX_LONG_POLLS_PER_AGENT: '2',
      }),
    ).toEqual({ tokenTtlSeconds: 3600, maxTokensPerAgent: 5, maxSessionsPerAgent: Number.POSITIVE_INFINITY, maxLongPollsPerAgent: 2 });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_MAX_SESSIONS_PER_AGENT: '0' })).toThrow(/PARLEY_MAX_SESSIONS_PER_AGENT/);
    expect(resolveHubOptionsFromEnv({ PARLEY_TRUST_PROXY: '2' })).toEqual({ trustProxy: 2 });
    expect(resolveHubOptionsFromEnv({ PARLEY_TRUST_PROXY: 'true' })).toEqual({ trustProxy: true });
    expect(resolveHubOptionsFromEnv({ PARLEY_TRUST_PROXY: 'loopback, 10.0.0.0/8' })).toEqual({ trustProxy: ['loopback', '10.0.0.0/8'] });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_ADDRESS_RATE_LIMIT: '0/10' })).toThrow(/PARLEY_ADDRESS_RATE_LIMIT/);
  });

  it('rejects malformed values', () => {
    expect(() => resolveHubOptionsFromEnv({ PARLEY_PORT: 'abc' })).toThrow(/PARLEY_PORT/);
    expect(() => resolveHubOptionsFromEnv({ PARLEY_RATE_LIMIT: 'fast' })).toThrow(/PARLEY_RATE_LIMIT/);
  });
});

describe('accounts.webauthn (passkeys)', () => {
  it('reads PARLEY_WEBAUTHN_* and checks them at start, so a typo does not wait for someone\'s passkey to fail', () => {
    const env = resolveHubOptionsFromEnv({
      PARLEY_WEBAUTHN_RP_ID: 'Parley.Example.com',
      PARLEY_WEBAUTHN_ORIGINS: 'https://parley.example.com, https://console.parley.example.com',
    });
    expect(env).toEqual({
      accounts: { webauthn: { rpName: 'Parley', rpId: 'Parley.Example.com', origins: ['https://parley.example.com', 'https://console.parley.example.com'] } },
    });
    expect(resolveConfig(env).accounts.webauthn).toEqual({
      rpName: 'Parley',
      rpId: 'parley.example.com',
      origins: ['https://parley.example.com', 'https://console.parley.example.com'],
    });
    // Left out: the request decides (a hub on one address, such as localhost).
    expect(resolveConfig({}).accounts.webauthn).toEqual({ rpName: 'Parley' });
    expect(() => resolveConfig({ accounts: { webauthn: { rpName: 'x', rpId: '127.0.0.1' } } })).toThrow(/domain name/);
    expect(() => resolveConfig({ accounts: { webauthn: { rpName: 'x', rpId: 'https://parley.example.com' } } })).toThrow(/domain name/);
    expect(() => resolveConfig({ accounts: { webauthn: { rpName: 'x', origins: ['https://parley.example.com/console'] } } })).toThrow(/not an origin/);
    expect(() => resolveConfig({ accounts: { webauthn: { rpName: 'x', origins: [] } } })).toThrow(/at least one/);
  });
});
