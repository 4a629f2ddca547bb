import type { Aedes } from 'aedes';
import type { MembershipView } from './membership-view.js';

export type SysPacket = { topic: string; payload: Buffer | string };
export type SysHandler = (packet: SysPacket, done: () => void) => void;

/**
 * What a node says about itself on `$SYS/<id>/<kind>`, with its id as the payload, as Aedes does:
 * `leaving` when its drain begins (and with each heartbeat until it leaves), `leave` when it is gone.
 */
export type SysKind = 'birth' | 'heartbeat' | 'leaving' | 'leave';

/** Listens to `$SYS/+/<kind>` on the broker's emitter; resolves once subscribed. */
export function subscribeSys(broker: Aedes, kind: SysKind, handler: SysHandler): Promise<void> {
  return new Promise((resolve) => broker.subscribe(`$SYS/+/${kind}`, handler as never, () => resolve()));
}

/** Publishes `$SYS/<broker id>/<kind>` with `nodeId` as the payload; resolves once handed to the emitter. */
export function publishSys(broker: Aedes, kind: SysKind, nodeId: string): Promise<void> {
  return new Promise((resolve) =>
    broker.publish(
      { cmd: 'publish', topic: `$SYS/${broker.id}/${kind}`, payload: Buffer.from(nodeId), qos: 0, retain: false, dup: false },
      () => resolve(),
    ),
  );
}

/**
 * Announces this node's birth now rather than at the next heartbeat, so peers and this node see each
 * other at once, and again every heartbeat until it has joined.
 */
export function announceUntilJoined(broker: Aedes, view: MembershipView): void {
  const announce = () => void publishSys(broker, 'birth', view.nodeId);
  announce();
  const retry = setInterval(() => (view.state === 'JOINING' ? announce() : clearInterval(retry)), view.heartbeatMs);
  retry.unref();
}
