import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { keepDollarTopicsFromWildcards, matches } from './retained-dollar-topics.js';

const RETAINED = ['$SYS/n1/health', '$SYS/fleet/health', 'home/kitchen', 'home/hall'].map((topic) => ({ topic, payload: 'x' }));

function persistence() {
  const asked: string[][] = [];
  const store = {
    createRetainedStreamCombi(patterns: string[]) {
      asked.push(patterns);
      return Readable.from(RETAINED.filter(({ topic }) => patterns.some((pattern) => matches(pattern, topic))));
    },
  };
  return { store: keepDollarTopicsFromWildcards(store), asked };
}

async function topics(stream: Readable): Promise<string[]> {
  const seen: string[] = [];
  for await (const packet of stream) seen.push((packet as { topic: string }).topic);
  return seen;
}

describe('keepDollarTopicsFromWildcards', () => {
  it('leaves $ topics out of what a filter starting with a wildcard gets (MQTT-4.7.2-1)', async () => {
    const { store } = persistence();
    expect(await topics(store.createRetainedStreamCombi(['#']))).toEqual(['home/kitchen', 'home/hall']);
    expect(await topics(store.createRetainedStreamCombi(['+/+/health']))).toEqual([]);
  });

  it('gives them to a filter naming their first level, also when a wildcard filter comes in the same subscribe', async () => {
    const { store } = persistence();
    expect(await topics(store.createRetainedStreamCombi(['$SYS/+/health']))).toEqual(['$SYS/n1/health', '$SYS/fleet/health']);
    expect(await topics(store.createRetainedStreamCombi(['#', '$SYS/fleet/#']))).toEqual([
      '$SYS/fleet/health',
      'home/kitchen',
      'home/hall',
    ]);
  });

  it('matches MQTT filters level by level', () => {
    expect(matches('$SYS/#', '$SYS/n1/health')).toBe(true);
    expect(matches('$SYS/+/health', '$SYS/n1/health')).toBe(true);
    expect(matches('$SYS/+', '$SYS/n1/health')).toBe(false);
    expect(matches('home/#', 'home')).toBe(true);
    expect(matches('home/+', 'home')).toBe(false);
    expect(matches('a/b', 'a/b/c')).toBe(false);
  });
});
