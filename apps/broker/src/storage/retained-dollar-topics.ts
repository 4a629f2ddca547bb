import { Transform, type Readable } from 'node:stream';

/** The part of an Aedes persistence that streams retained messages to a new subscription. */
export interface RetainedStreams {
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * MQTT 3.1.1 §4.7.2 (MQTT-4.7.2-1): a filter starting with a wildcard never matches a topic starting with `$`.
 * Aedes keeps to it for live messages but not for retained ones: a client subscribing to `#` would get every
 * retained `$SYS/<node>/health` message, reasons included. Wraps `persistence` so its retained stream leaves out
 * a `$` topic unless one of the new filters names its first level.
 */
export function keepDollarTopicsFromWildcards<T extends RetainedStreams>(persistence: T): T {
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns: string[]) => {
    const stream = combi(patterns);
    const named = patterns.filter((pattern) => !pattern.startsWith('#') && !pattern.startsWith('+'));
    if (named.length === patterns.length) return stream;
    const filter = new Transform({
      objectMode: true,
      transform(packet: { topic: string }, _encoding, done) {
        done(null, !packet.topic.startsWith('$') || named.some((pattern) => matches(pattern, packet.topic)) ? packet : undefined);
      },
    });
    stream.on('error', (error) => filter.destroy(error));
    return stream.pipe(filter);
  };
  return persistence;
}

/** Whether MQTT filter `pattern` matches `topic` (`+` one level, `#` the rest). */
export function matches(pattern: string, topic: string): boolean {
  const filter = pattern.split('/');
  const levels = topic.split('/');
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '#') return true;
    if (i >= levels.length || (filter[i] !== '+' && filter[i] !== levels[i])) return false;
  }
  return filter.length === levels.length;
}
