import { accessSync, constants, mkdirSync, realpathSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { invalidVariable } from './broker-config.error.js';

/** proc, sysfs, cgroup, cgroup2, debugfs, tracefs, securityfs, bpf, pstore: kernel filesystems, which hold no data. */
const KERNEL_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x74726163, 0x73636673, 0xcafe4a11, 0x6165676c]);

/**
 * DATA_DIR must be a directory on a real volume; for the embedded store (no REDIS_URL) one the broker can create and write.
 * Judged where the nearest existing directory really is, so `..` and symbolic links lead nowhere else.
 */
export function dataDirectory(path: string, embedded: boolean): void {
  let existing = path;
  while (!exists(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory())
    invalidVariable('DATA_DIR', existing === path ? 'names a file, not a directory' : `is under ${existing}, which is a file`, path);
  const real = realpathSync(existing);
  if (KERNEL_FILESYSTEMS.has(Number(statfsSync(real).type)))
    invalidVariable('DATA_DIR', `is on a kernel filesystem (${real}), not a disk: give a directory on a volume`, path);
  // devtmpfs and /dev/shm read as tmpfs, like a legitimate in-memory volume: /dev is told apart by its path.
  if (real === '/dev' || real.startsWith('/dev/'))
    invalidVariable(
      'DATA_DIR',
      `is under /dev (${real}), which holds devices and shared memory, not data: give a directory on a volume`,
      path,
    );
  if (!embedded) return;
  try {
    mkdirSync(path, { recursive: true });
    const probe = join(path, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    // A full disk is a state the storage component reports, not a configuration to fix.
    if (code === 'ENOSPC' || code === 'EDQUOT') return;
    invalidVariable(
      'DATA_DIR',
      `names a directory the broker cannot create or write (${code}): give a writable directory for the embedded store`,
      path,
    );
  }
}

/** EXTENSIONS_DIR, when set, must be a directory of extension folders: a typo must not start a broker with none. */
export function extensionFolders(path: string): void {
  if (!exists(path))
    invalidVariable(
      'EXTENSIONS_DIR',
      'names a directory that does not exist: create it, or set EXTENSIONS_DIR empty to turn extensions off',
      path,
    );
  if (!statSync(path).isDirectory()) invalidVariable('EXTENSIONS_DIR', 'names a file, not a directory of extension folders', path);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A certificate or key that cannot be read is a configuration error, not a listener that silently fails. */
export function readable(name: string, path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    invalidVariable(
      name,
      `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a readable PEM file`,
      path,
    );
  }
}
