// Bare Aedes on Redis, as its READMEs set it up: the baseline the lose-nothing test compares with.
// Only what keeps it alive through a Redis outage is added (error listeners, waiting for Redis first).
// env: PORT, REDIS_URL. Prints "ready" once it listens.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';

const url = process.env.REDIS_URL;
// The same connection options as the demo's storage (REDIS_CONNECTION_OPTIONS), so only the module differs.
const options = { retryStrategy: (times) => Math.min(times * 100, 1000), maxRetriesPerRequest: 5 };
const [conn, pubConn, subConn] = [new Redis(url, options), new Redis(url, options), new Redis(url, options)];
for (const c of [conn, pubConn, subConn]) c.on('error', () => {});
await Promise.all([conn, pubConn, subConn].map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
const mq = MQEmitterRedis({ pubConn, subConn });
mq.state.on('error', () => {});
const broker = await Aedes.createBroker({ mq, persistence: aedesPersistenceRedis({ conn }) });
broker.on('error', () => {});
const server = createServer(broker.handle);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
