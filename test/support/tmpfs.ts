import { spawnSync } from 'node:child_process';
import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './processes.js';

/** Whether this process may mount a tmpfs (root); on CI a refusal fails the run, elsewhere the tests are skipped loudly. */
export function canMountTmpfs(): boolean {
  const probe = tempDir('tmpfs-probe-');
  const mounted = run('mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.path).status === 0;
  if (mounted) run('umount', probe.path);
  probe.remove();
  if (!mounted) {
    if (process.env.CI === 'true') throw new Error('mounting a tmpfs is required on CI (the tests run as root) but was refused');
    console.warn(
      `\n${'!'.repeat(72)}\n!! cannot mount a tmpfs (not root?): SKIPPING the full-disk tests (they run on CI)\n${'!'.repeat(72)}\n`,
    );
  }
  return mounted;
}

/** A small tmpfs mounted on a fresh temporary directory: a disk that fills up for real. */
export class Tmpfs {
  private constructor(
    readonly path: string,
    private readonly dir: { remove(): void },
  ) {}

  static mount(sizeBytes: number): Tmpfs {
    const dir = tempDir('tmpfs-');
    const result = run('mount', '-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir.path);
    if (result.status !== 0) throw new Error(`mount -t tmpfs failed: ${result.stderr}`);
    return new Tmpfs(dir.path, dir);
  }

  /** Bytes still free for an unprivileged writer. */
  get freeBytes(): number {
    const { bsize, bavail } = statfsSync(this.path);
    return bsize * bavail;
  }

  /** Writes a file of `bytes` bytes (room the test frees later with `remove`). */
  fill(name: string, bytes: number): string {
    const file = join(this.path, name);
    writeFileSync(file, Buffer.alloc(bytes, 0x5a));
    return file;
  }

  remove(name: string): void {
    rmSync(join(this.path, name), { force: true });
  }

  unmount(): void {
    // Lazy: a broker killed a moment ago may still hold files open.
    run('umount', '-l', this.path);
    this.dir.remove();
  }
}

function run(command: string, ...args: string[]) {
  return spawnSync(command, args, { encoding: 'utf8' });
}
