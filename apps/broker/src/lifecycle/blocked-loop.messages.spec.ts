import { describe, expect, it } from '@jest/globals';
import {
  beatValue,
  blockedLine,
  describeFrame,
  logLine,
  NATIVE_CODE,
  otherBlockLine,
  shutdownDeadlineLine,
  silenceMs,
  startDeadlineLine,
} from './blocked-loop.messages.js';

const frame = describeFrame({ functionName: 'configure', url: 'file:///ext/busy/index.js', lineNumber: 0, columnNumber: 38 });

describe('the heartbeat', () => {
  /** Silence at `now` of a main thread that last beat at `beatAt`, both in ms since the origin. */
  const silence = (beatAt: number, now: number) => silenceMs(now, beatValue(beatAt));

  it('measures silence the same before and past 2^31 and 2^32 ms of uptime', () => {
    for (const at of [0, 10_000, 2 ** 31 - 300, 2 ** 31, 2 ** 32 - 100, 2 ** 32, 2 ** 33 + 7, 2 ** 45]) {
      expect(silence(at, at + 250)).toBe(250);
      expect(silence(at, at + 6000)).toBe(6000);
      expect(silence(at, at)).toBe(0);
    }
    // A beat stored just after the other thread read its clock is no silence, not 49 days of it.
    expect(silence(2 ** 31 + 1, 2 ** 31 - 1)).toBe(0);
    expect(silence(5, 3)).toBe(0);
  });
});

describe('watchdog lines', () => {
  it('name a call frame as a stack trace does', () => {
    expect(frame).toBe('configure (file:///ext/busy/index.js:1:39)');
    expect(describeFrame({ functionName: '', url: 'file:///x.js', lineNumber: 4, columnNumber: 0 })).toBe('<anonymous> (file:///x.js:5:1)');
  });

  it('say which deadline passed, how long the loop was blocked and where, and what to change', () => {
    expect(shutdownDeadlineLine({ drainMs: 500, shutdownTimeoutMs: 2000 }, 12_345, frame)).toBe(
      'shutdown deadline (2500 ms: DRAIN_MS 500 + SHUTDOWN_TIMEOUT_MS 2000) passed and the event loop has been blocked for 12.3 s, ' +
        'in configure (file:///ext/busy/index.js:1:39); exiting with code 1 from the watchdog thread. ' +
        'Find what blocks the event loop, or raise SHUTDOWN_TIMEOUT_MS.',
    );
    expect(shutdownDeadlineLine({ drainMs: 0, shutdownTimeoutMs: 100 }, 10)).toContain('the event loop runs but the shutdown did not end');
    const armed = { what: 'extension busy', ms: 2000, variable: 'EXTENSION_START_TIMEOUT_MS', advice: 'Disable it.' };
    expect(startDeadlineLine(armed, 3100)).toBe(
      'extension busy blocked the event loop past its deadline (EXTENSION_START_TIMEOUT_MS 2000 ms; blocked for 3100 ms): ' +
        'a blocked broker serves neither MQTT nor probes, so it ends to be restarted (exiting with code 1 from the watchdog thread). Disable it.',
    );
    expect(startDeadlineLine(armed, 3100, NATIVE_CODE)).toContain(
      'blocked for 3100 ms (stack unavailable: blocked in native code)): a blocked broker serves neither MQTT nor probes, ' +
        'so it ends to be restarted (ending it with SIGKILL from the watchdog thread)',
    );
    expect(shutdownDeadlineLine({ drainMs: 0, shutdownTimeoutMs: 100 }, 3000, NATIVE_CODE)).toContain(
      'blocked for 3000 ms (stack unavailable: blocked in native code); ending it with SIGKILL from the watchdog thread.',
    );
    expect(otherBlockLine(armed, 2600, 'authorizePublish (file:///ext/evil/index.js:3:1)')).toBe(
      'extension busy is past its deadline (EXTENSION_START_TIMEOUT_MS 2000 ms) while the event loop has been blocked for 2600 ms ' +
        'by code not traced to it, in authorizePublish (file:///ext/evil/index.js:3:1); not ending the process for it: once the loop ' +
        'runs the start is reported late, and the shutdown deadline still holds',
    );
    expect(blockedLine(5000, frame)).toMatch(/^the event loop has been blocked for 5000 ms, in configure .*no probe is answered/);
  });

  it('write one line in the shape of Nest console logs', () => {
    expect(logLine('ERROR', 'gone', 42, new Date(2026, 0, 2, 3, 4, 5))).toMatch(/^\[Nest\] 42 {2}- .+ {3}ERROR \[Watchdog\] gone\n$/);
  });
});
