// Bare Aedes on LevelDB (aedes-persistence-level on classic-level), as its README sets it up: the baseline the
// lose-nothing scenario compares the demo broker with. env: PORT, DATA_DIR. Prints "ready" once it listens.
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { Aedes } from 'aedes';

const require = createRequire(import.meta.url);
const aedesPersistenceLevel = require('aedes-persistence-level');
const { ClassicLevel } = require('classic-level');

const broker = await Aedes.createBroker({ persistence: aedesPersistenceLevel(new ClassicLevel(process.env.DATA_DIR)) });
broker.on('error', () => {});
const server = createServer(broker.handle);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
