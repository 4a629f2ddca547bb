// Writes one consumer app: first what `nest new` writes (the generator's templates, filled in the way
// @nestjs/schematics' application.factory does), then what a user adopting nestjs-mqtt-health writes
// (./adopt, and ./adopt-fastify for the Fastify app). See matrix.mjs for the mirrored versions.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATORS } from './matrix.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The EJS subset @angular-devkit/schematics' template() reads: `<%= expression %>` and `<% code %>`. */
export function renderTemplate(text, options) {
  let code = "let out = '';\n";
  let last = 0;
  for (const match of text.matchAll(/<%(=?)([\s\S]*?)%>/g)) {
    code += `out += ${JSON.stringify(text.slice(last, match.index))};\n`;
    code += match[1] ? `out += String(${match[2]});\n` : `${match[2]}\n`;
    last = match.index + match[0].length;
  }
  code += `out += ${JSON.stringify(text.slice(last))};\nreturn out;`;
  return new Function(...Object.keys(options), code)(...Object.values(options));
}

function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => write(path, `${JSON.stringify(value, null, 2)}\n`);

/** An ESM app's relative imports name the emitted file (`./x.js`), as the ts-esm templates do. */
const toEsm = (source) => source.replace(/(from '\.{1,2}\/[^']+?)(?<!\.js)'/g, "$1.js'");

/** Writes `app` (a matrix.mjs row) into `cwd`. */
export function generateApp(app, cwd) {
  const generator = GENERATORS[app.generator];
  const options = { ...generator.options, name: app.name };
  const templates = join(HERE, generator.dir);
  for (const file of walk(templates)) {
    const target = relative(templates, file)
      .replace(/\.template$/, '')
      .replaceAll('__specFileSuffix__', options.specFileSuffix);
    write(join(cwd, target), renderTemplate(readFileSync(file, 'utf8'), options));
  }

  // Pins and swaps in package.json (see matrix.mjs); scripts and configuration stay as generated.
  const manifest = readJson(join(cwd, 'package.json'));
  for (const name of app.removeDependencies ?? []) delete manifest.dependencies[name];
  Object.assign(manifest.dependencies, app.addDependencies);
  for (const [field, pins] of [
    ['dependencies', app.dependencies],
    ['devDependencies', app.devDependencies],
  ]) {
    for (const [name, version] of Object.entries(pins ?? {})) {
      if (!(name in manifest[field])) throw new Error(`${app.name}: the generated package.json has no ${field}.${name} to pin`);
      manifest[field][name] = version;
    }
  }
  manifest.dependencies = Object.fromEntries(Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b)));
  writeJson(join(cwd, 'package.json'), manifest);
  if (app.tsconfig) {
    const tsconfig = readJson(join(cwd, 'tsconfig.json'));
    tsconfig.compilerOptions = app.tsconfig(tsconfig.compilerOptions);
    writeJson(join(cwd, 'tsconfig.json'), tsconfig);
  }

  // What the user writes: the dependency's client, its indicator, the module, the specs.
  for (const overlay of ['adopt', ...(app.fastify ? ['adopt-fastify'] : [])]) {
    const root = join(HERE, overlay);
    for (const file of walk(root)) {
      const source = readFileSync(file, 'utf8');
      write(join(cwd, relative(root, file)), app.esm ? toEsm(source) : source);
    }
  }
  // README: "on SIGTERM: readiness drains for drainMs, then the app closes".
  const main = join(cwd, 'src/main.ts');
  const generated = readFileSync(main, 'utf8');
  const created = /^( *)const app = await NestFactory\.create.*\n/m.exec(generated);
  if (!created) throw new Error(`${app.name}: src/main.ts has no NestFactory.create line`);
  const end = created.index + created[0].length;
  if (!generated.includes('enableShutdownHooks')) {
    write(main, `${generated.slice(0, end)}${created[1]}app.enableShutdownHooks();\n${generated.slice(end)}`);
  }
}
