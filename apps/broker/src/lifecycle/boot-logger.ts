import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's console logger, except that while the app boots it leaves a failed boot to main.ts, which
 * prints one line naming the variable to fix instead of Nest's stack trace (ExceptionHandler).
 */
export class BootLogger extends ConsoleLogger {
  private booting = true;

  booted(): void {
    this.booting = false;
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (this.booting && optionalParams.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...optionalParams);
  }
}
