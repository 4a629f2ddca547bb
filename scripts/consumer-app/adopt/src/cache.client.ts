import { Injectable } from '@nestjs/common';

/** The app's client of its cache (a stand-in: a real app wraps its Redis or Memcached driver here). */
@Injectable()
export class CacheClient {
  private readonly entries = new Map<string, string>();

  async ping(): Promise<void> {}

  size(): number {
    return this.entries.size;
  }
}
