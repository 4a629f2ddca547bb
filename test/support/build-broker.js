// Jest globalSetup: compiles the library and the demo broker, which the broker tests start as child processes.
import { spawnSync } from 'node:child_process';

export default function buildBroker() {
  const result = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { stdio: 'pipe', encoding: 'utf8' });
  if (result.status !== 0) {
    // tsc -b still emits past type errors; the broker tests fail on their own if nothing runnable came out.
    console.warn(`\n[broker tests] tsc -b tsconfig.build.json exited ${result.status}:\n${result.stdout}${result.stderr}`);
  }
}
