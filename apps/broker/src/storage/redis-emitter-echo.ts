import { randomUUID } from 'node:crypto';
import type MQEmitterRedis from 'mqemitter-redis';

/** Returns a probe that publishes through the emitter and resolves when this node hears it back. */
export async function emitterEcho(mq: MQEmitterRedis.MQEmitterRedis, nodeId: string): Promise<() => Promise<void>> {
  const topic = `$SYS/${nodeId}/storage-probe`;
  const waiting = new Map<string, () => void>();
  await new Promise<void>((resolve) =>
    mq.on(
      topic,
      (packet, done) => {
        waiting.get(String(packet.payload))?.();
        done();
      },
      () => resolve(),
    ),
  );
  return () =>
    new Promise<void>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('redis emitter did not echo a probe within 1000 ms'));
      }, 1000);
      waiting.set(id, () => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      });
      mq.emit({ topic, payload: id }, (error) => error && reject(error));
    });
}
