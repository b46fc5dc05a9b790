// Installs the npm dependencies when they are missing or older than package.json, so `npm start` and
// `npm test` work on a fresh clone as the first command. Plain JavaScript: it runs before anything is installed.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const stamp = 'node_modules/.package-lock.json';
const stale = !existsSync(stamp) || statSync('package.json').mtimeMs > statSync(stamp).mtimeMs;
if (stale) {
  console.error('pg-kafka: installing dependencies (npm install)...');
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
