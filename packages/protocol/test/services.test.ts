import { describe, expect, it } from 'vitest';
import { actions, parseServiceCapability, serviceCapability } from '../src/index.js';

describe('service actions', () => {
  it('take semantic versions and service names, nothing else', () => {
    const reg = actions['service/register'].params;
    const ok = reg.parse({ name: 'text.reverse', version: '1.0.0', description: 'Reverses text' });
    expect(ok.params_schema).toEqual({});
    for (const version of ['1.0.0-beta.1', '10.20.30', '1.0.0+build.5', '0.0.1-rc.1+x']) {
      expect(reg.safeParse({ name: 'a', version, description: 'd' }).success, version).toBe(true);
    }
    for (const version of ['1.0', '01.0.0', 'v1.0.0', '1.0.0-', '1.0.0 ', '1.0.0-01']) {
      expect(reg.safeParse({ name: 'a', version, description: 'd' }).success, version).toBe(false);
    }
    for (const name of ['Text', '-x', 'a b', 'a@b', 'x'.repeat(65)]) {
      expect(reg.safeParse({ name, version: '1.0.0', description: 'd' }).success, name).toBe(false);
    }
    expect(reg.safeParse({ name: 'a', version: '1.0.0', description: 'd', endpoint: 'ftp://x' }).success).toBe(false);
    expect(reg.safeParse({ name: 'a', version: '1.0.0', description: 'd', params_schema: [] }).success).toBe(false);
  });

  it('name a call by a capability that delegate/request itself cannot ask for', () => {
    const cap = serviceCapability('text.reverse', '1.0.0-beta.1');
    expect(cap).toBe('service:text.reverse@1.0.0-beta.1');
    expect(parseServiceCapability(cap)).toEqual({ name: 'text.reverse', version: '1.0.0-beta.1' });
    expect(parseServiceCapability('text.reverse')).toBeNull();
    expect(parseServiceCapability('service:x@nope')).toBeNull();
    // An agent cannot advertise it nor ask for it directly: the capability schema has no "@".
    expect(actions['delegate/request'].params.safeParse({ capability: cap, input: 1 }).success).toBe(false);
  });

  it('bounds a call: default and largest timeout', () => {
    const call = actions['service/call'].params;
    expect(call.parse({ name: 'a', input: { x: 1 } }).timeout_ms).toBe(10_000);
    expect(call.safeParse({ name: 'a', input: 1, timeout_ms: 120_001 }).success).toBe(false);
  });
});
