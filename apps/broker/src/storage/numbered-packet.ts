/** The fields of a message that Aedes numbers as it arrives (aedes-packet: `brokerCounter = ++broker.counter`). */
export interface NumberedPacket {
  qos?: number;
  brokerId?: string;
  brokerCounter?: number;
}

/** One message's key across its copies: its broker counter at its broker; undefined when Aedes did not number it. */
export const messageKey = (packet: NumberedPacket) =>
  packet.brokerId && typeof packet.brokerCounter === 'number' ? `${packet.brokerCounter}@${packet.brokerId}` : undefined;

/** Called with each queued message a client's session sends it (Aedes `emptyQueue` updates each one as it goes). */
export const queueWatchers = new WeakMap<object, (packet: NumberedPacket) => void>();
