// Bare Aedes with the same embedded storage as the demo (aedes-persistence-level in DATA_DIR),
// no Nest, no health module: the baseline of throughput.js. env: MQTT_PORT, DATA_DIR.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { ClassicLevel } from 'classic-level';

const db = new ClassicLevel(join(process.env.DATA_DIR, 'aedes'));
await db.open();
const broker = await Aedes.createBroker({ persistence: aedesPersistenceLevel(db) });
const server = createServer(broker.handle);
server.listen(Number(process.env.MQTT_PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
