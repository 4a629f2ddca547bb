import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { defaultManifest } from './extension.loader.js';
import type { BrokerExtension } from './extension.interface.js';
import { ExtensionHooks } from './extension-hooks.js';
import { extensionState } from './extension-state.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

const WINDOW_MS = 60_000;
const FAILED_AT = 1_700_000_000_000;
const withHooks: BrokerExtension = { configure: () => ({}), authorizePublish: () => true };
const withoutHooks: BrokerExtension = { configure: () => ({}) };

function failed(instance: BrokerExtension, answeredSinceFailure: boolean): LoadedExtension {
  return {
    folder: '/x',
    manifest: defaultManifest('x'),
    instance,
    startedAt: 1,
    lastFailure: 'authorizePublish threw Error: no',
    lastFailureAt: FAILED_AT,
    answeredSinceFailure,
  };
}

describe('extensionState: when a hook failure stops counting', () => {
  it('counts it for the whole window, even with clean answers since', () => {
    expect(extensionState(failed(withHooks, true), WINDOW_MS, FAILED_AT + WINDOW_MS - 1).failing).toBe(true);
  });

  it('lets it go once the window has passed and a hook has answered clean since', () => {
    const state = extensionState(failed(withHooks, true), WINDOW_MS, FAILED_AT + WINDOW_MS);
    expect(state).toMatchObject({ failing: false, lastFailure: 'authorizePublish threw Error: no', lastFailureAt: FAILED_AT });
  });

  it('keeps counting it past the window while no hook has answered clean: a hook that throws at every call stays DEGRADED', () => {
    expect(extensionState(failed(withHooks, false), WINDOW_MS, FAILED_AT + 10 * WINDOW_MS).failing).toBe(true);
  });

  it('lets time alone clear an extension without hooks (its failures come from outside them)', () => {
    expect(extensionState(failed(withoutHooks, false), WINDOW_MS, FAILED_AT + WINDOW_MS).failing).toBe(false);
    expect(extensionState(failed(withoutHooks, false), WINDOW_MS, FAILED_AT + WINDOW_MS - 1).failing).toBe(true);
  });

  it('is not failing without a hook failure', () => {
    expect(extensionState({ folder: '/x', manifest: defaultManifest('x'), instance: withHooks }, WINDOW_MS).failing).toBe(false);
  });
});

describe('ExtensionHooks: which answers count as running clean after a failure', () => {
  const TIMEOUT_MS = 50;
  const logger = new Logger('spec');
  logger.error = () => undefined;
  const setup = () => {
    const hooks = new ExtensionHooks(TIMEOUT_MS, logger);
    const extension: LoadedExtension = { folder: '/x', manifest: defaultManifest('x'), instance: withHooks };
    const ask = (answer: () => unknown) => hooks.ask(extension, 'authorizePublish', withHooks, null, answer);
    return { hooks, extension, ask };
  };

  it('a throw resets it, a plain answer in time (false included: a refusal is not a failure) sets it', () => {
    const { hooks, extension, ask } = setup();
    expect(ask(() => true)).toBe(true);
    expect(extension.answeredSinceFailure).toBeUndefined();
    expect(
      ask(() => {
        throw new Error('no');
      }),
    ).toBe(false);
    expect(extension).toMatchObject({ lastFailure: 'authorizePublish threw Error: no', answeredSinceFailure: false });
    expect(ask(() => false)).toBe(false);
    expect(extension.answeredSinceFailure).toBe(true);
    hooks.stop();
  });

  it('a promise resolved in time sets it; a rejection or an answer past EXTENSION_HOOK_TIMEOUT_MS does not', async () => {
    const { hooks, extension, ask } = setup();
    expect(await ask(() => Promise.reject(new Error('async no')))).toBe(false);
    expect(extension).toMatchObject({ lastFailure: 'authorizePublish rejected with Error: async no', answeredSinceFailure: false });
    const late = ask(() => new Promise((resolve) => setTimeout(() => resolve(true), TIMEOUT_MS * 3)));
    expect(await late).toBe(false);
    expect(extension.lastFailure).toBe(`authorizePublish did not settle within ${TIMEOUT_MS} ms (EXTENSION_HOOK_TIMEOUT_MS)`);
    // The late answer arrives after the verdict: it must not count as clean.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
    expect(extension.answeredSinceFailure).toBe(false);
    expect(await ask(() => Promise.resolve(true))).toBe(true);
    expect(extension.answeredSinceFailure).toBe(true);
    hooks.stop();
  });
});
