// Lets `npm start` and `npm test` work straight after cloning: installs the locked dependencies once.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  console.error('Installing the locked dependencies...');
  // npm install, not npm ci: see .ci/run.
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
