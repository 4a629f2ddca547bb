// One cluster member as the demo makes it (apps/broker/src/storage/redis-storage.ts, broker.service.ts),
// minus persistence and MQTT listeners: an Aedes broker on a mqemitter-redis emitter, its own control
// connection, and the demo's compiled ClusterMembershipService with the library's cluster indicator.
import { Aedes } from 'aedes';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { ClusterHealthIndicator } from 'nestjs-mqtt-health';
import { ClusterMembershipService } from '../../apps/broker/dist/cluster/cluster-membership.service.js';
import { REDIS_CONNECTION_OPTIONS } from '../../apps/broker/dist/storage/redis-storage.js';

/** The control connection's options in openRedisStorage (redis-storage.ts). */
const CONTROL_OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => 500 };

function whenReady(connection) {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => connection.once('ready', resolve));
}

/** Starts member `id`; resolves once it has joined (its own heartbeat came back). */
export async function startMember({ url, id, mode, heartbeatMs }) {
  const connect = (role, extra = {}) => {
    const connection = new Redis(url, { ...REDIS_CONNECTION_OPTIONS, connectionName: `${id}:${role}`, ...extra });
    connection.on('error', () => undefined);
    return connection;
  };
  const pub = connect('emitter-pub');
  const sub = connect('emitter-sub');
  const control = connect('control', CONTROL_OPTIONS);
  await Promise.all([pub, sub, control].map(whenReady));
  // Commands this member sends (its round trips), counted on its side of the three connections.
  const sent = { commands: 0 };
  for (const connection of [pub, sub, control]) {
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (command, stream) => {
      sent.commands++;
      return send(command, stream);
    };
  }
  // Pub/sub messages Redis delivers to this member, whoever listens to them in the process.
  const received = { messages: 0 };
  const count = () => received.messages++;
  sub.on('messageBuffer', count);
  sub.on('pmessageBuffer', count);
  const mq = MQEmitterRedis({ subConn: sub, pubConn: pub });
  mq.state.on('error', () => undefined);
  const broker = await Aedes.createBroker({ id, mq, heartbeatInterval: heartbeatMs });
  broker.on('error', () => undefined);
  const membership = new ClusterMembershipService({ redisUrl: url, nodeId: id, heartbeatMs, clusterMembership: mode });
  await membership.join(broker, control);
  await membership.joined;
  const indicator = new ClusterHealthIndicator(membership);
  let alive = true;
  return {
    id,
    membership,
    indicator,
    received,
    sent,
    broker,
    control,
    get alive() {
      return alive;
    },
    /** Dies: its control connection drops at once and its broker stops, without a leave message. */
    kill() {
      alive = false;
      control.disconnect();
      broker.close();
    },
    /** Leaves as the demo does on SIGTERM, then closes. */
    async stop() {
      if (!alive) return;
      alive = false;
      await Promise.race([membership.leave(), new Promise((resolve) => setTimeout(resolve, 1000))]);
      await new Promise((resolve) => broker.close(resolve));
      control.disconnect();
    },
  };
}
