import { describe, expect, it } from '@jest/globals';
import { blockedLine, describeFrame, logLine, shutdownDeadlineLine, startDeadlineLine } from './blocked-loop.messages.js';

const frame = describeFrame({ functionName: 'configure', url: 'file:///ext/busy/index.js', lineNumber: 0, columnNumber: 38 });

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
        'a blocked broker serves neither MQTT nor probes, so it exits with code 1 to be restarted. Disable it.',
    );
    expect(blockedLine(5000, frame)).toMatch(/^the event loop has been blocked for 5000 ms, in configure .*no probe is answered/);
  });

  it('write one line in the shape of Nest console logs', () => {
    expect(logLine('ERROR', 'gone', 42, new Date(2026, 0, 2, 3, 4, 5))).toMatch(/^\[Nest\] 42 {2}- .+ {3}ERROR \[Watchdog\] gone\n$/);
  });
});
