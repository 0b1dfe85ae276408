import {
  WebAuthnError,
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { AccountSession, PasskeyAuthenticationResponse, PasskeyInfo, PasskeyRegistrationResponse } from '@parley/protocol';
import { account } from './api.js';

/**
 * Passkeys in the browser: the hub makes each ceremony's options and checks
 * the answer; navigator.credentials (through @simplewebauthn/browser) asks
 * the authenticator in between. The JSON goes through unchanged: the protocol
 * checks the shape the hub reads and the library on each side the rest, so
 * the casts below only move between the two libraries' names for it.
 */

/** A refusal of the browser or the person, said as the person would want to hear it. */
export class PasskeyProblem extends Error {
  override name = 'PasskeyProblem';
}

function ensureSupport(): void {
  if (!browserSupportsWebAuthn()) {
    throw new PasskeyProblem('This browser has no passkey support: log in with your password, or use a browser that has it.');
  }
}

function problemOf(err: unknown, what: 'login' | 'register'): unknown {
  if (!(err instanceof WebAuthnError) && !(err instanceof DOMException)) return err;
  if (err.name === 'NotAllowedError' || err.name === 'AbortError') {
    return new PasskeyProblem('The passkey prompt was cancelled or timed out. Nothing was changed: try again when ready.');
  }
  if (what === 'register' && err.name === 'InvalidStateError') {
    return new PasskeyProblem('This authenticator already holds a passkey for your account here.');
  }
  if (err.name === 'SecurityError') {
    return new PasskeyProblem(`The browser refused passkeys on this address (${location.host}): they need https, or localhost.`);
  }
  return new PasskeyProblem(`The browser could not use a passkey: ${err.message}`);
}

/** Logs in with a passkey the browser offers for this site: the same session a password login gives. */
export async function loginWithPasskey(): Promise<AccountSession> {
  ensureSupport();
  const { options } = await account.beginPasskeyLogin();
  let response;
  try {
    response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  } catch (err) {
    throw problemOf(err, 'login');
  }
  return account.finishPasskeyLogin(response as unknown as PasskeyAuthenticationResponse);
}

/** Makes a new passkey for the signed-in human, named `name`. */
export async function addPasskey(name: string): Promise<PasskeyInfo> {
  ensureSupport();
  const { options } = await account.beginPasskeyRegistration();
  let response;
  try {
    response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  } catch (err) {
    throw problemOf(err, 'register');
  }
  return account.finishPasskeyRegistration(name, response as unknown as PasskeyRegistrationResponse);
}
