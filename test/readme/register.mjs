// `node --import ./register.mjs example.ts`: runs a README example as TypeScript (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
