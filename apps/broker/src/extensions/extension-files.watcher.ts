import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '@nestjs/common';
import { describeError } from './extension-error.util.js';
import { configPath, manifestPath } from './extension.loader.js';
import type { LoadedExtension } from './loaded-extension.interface.js';

/** How often extension.json and conf/config.json are polled (polling survives editors' atomic renames). */
const WATCH_INTERVAL_MS = 500;

/** Watches each extension's extension.json and conf/config.json and hands every change to `apply`. */
export class ExtensionFilesWatcher {
  private readonly applying = new WeakMap<LoadedExtension, Promise<void>>();
  private readonly watched: string[] = [];

  constructor(
    private readonly apply: (extension: LoadedExtension) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  watch(extension: LoadedExtension): void {
    for (const path of watchedFiles(extension)) {
      watchFile(path, { interval: WATCH_INTERVAL_MS }, (current, previous) => {
        // Node reports a file that is missing from the start once, as if it changed: the start already failed on it.
        if (current.mtimeMs === 0 && previous.mtimeMs === 0) return;
        this.queueChange(extension);
      });
      this.watched.push(path);
    }
  }

  unwatch(extension: LoadedExtension): void {
    for (const path of watchedFiles(extension)) unwatchFile(path);
  }

  unwatchAll(): void {
    for (const path of this.watched) unwatchFile(path);
  }

  /** One extension's file events are applied one after another, so two quick edits cannot start it twice. */
  private queueChange(extension: LoadedExtension): void {
    const previous = this.applying.get(extension) ?? Promise.resolve();
    const next = previous
      .then(() => this.apply(extension))
      .catch((error: unknown) =>
        this.logger.error(`extension ${extension.manifest.id}: applying a change failed: ${describeError(error)}`),
      );
    this.applying.set(extension, next);
  }
}

function watchedFiles(extension: LoadedExtension): string[] {
  return [manifestPath(extension.folder), configPath(extension.folder)];
}
