import { describe, expect, it } from '@jest/globals';
import { ConnectionSlots, SILENT_GRACE_MS, type Slot, type SlotHolder } from './connection-slots.js';

class Connection implements SlotHolder {
  busy = false;
  closed = false;
  slot!: Slot;
  constructor(readonly name: string) {}
  close(): void {
    this.closed = true;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function admit(slots: ConnectionSlots, ...names: string[]): Connection[] {
  return names.map((name) => {
    const connection = new Connection(name);
    connection.slot = slots.admit(connection);
    return connection;
  });
}

const closed = (connections: Connection[]) => connections.filter((c) => c.closed).map((c) => c.name);

const speak = (...connections: Connection[]) => connections.forEach((c) => c.slot.touch());

describe('ConnectionSlots', () => {
  it('admits past the capacity, then closes the least recently active', async () => {
    const slots = new ConnectionSlots(3);
    const [a, b, c] = admit(slots, 'a', 'b', 'c');
    speak(b, c, a);
    const [d] = admit(slots, 'd');
    speak(d);
    expect(slots.size).toBe(4);
    expect(closed([a, b, c, d])).toEqual([]);
    await turn();
    expect(closed([a, b, c, d])).toEqual(['b']);
    expect(slots.size).toBe(3);
  });

  it('spares a new connection that has not sent its request yet, for its grace period', async () => {
    const slots = new ConnectionSlots(2);
    const all = admit(slots, 'a', 'b');
    speak(...all);
    all.push(...admit(slots, 'c', 'd', 'e'));
    await turn();
    await turn();
    expect(closed(all)).toEqual(['a', 'b']);
    expect(slots.size).toBe(3);
    speak(all[2]);
    await new Promise((resolve) => setTimeout(resolve, SILENT_GRACE_MS + 100));
    // The silent ones past their grace are now the least recently active: d goes, c (spoken since) and e stay.
    expect(closed(all)).toEqual(['a', 'b', 'd']);
    expect(slots.size).toBe(2);
  });

  it('passes over busy connections, and waits for them when nothing else may be closed', async () => {
    const slots = new ConnectionSlots(1);
    const [a] = admit(slots, 'a');
    speak(a);
    a.busy = true;
    const [b] = admit(slots, 'b');
    speak(b);
    await turn();
    await turn();
    expect(closed([a, b])).toEqual(['b']);
    const [c] = admit(slots, 'c');
    speak(c);
    c.busy = true;
    await turn();
    await turn();
    expect(closed([a, b, c])).toEqual(['b']);
    a.busy = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed([a, b, c])).toEqual(['a', 'b']);
    expect(slots.size).toBe(1);
  });

  it('frees the slot of a connection that closed by itself', async () => {
    const slots = new ConnectionSlots(2);
    const all = admit(slots, 'a', 'b');
    all[0].slot.release();
    all[0].slot.release();
    expect(slots.size).toBe(1);
    all.push(...admit(slots, 'c'));
    await turn();
    expect(closed(all)).toEqual([]);
    expect(slots.size).toBe(2);
  });
});
