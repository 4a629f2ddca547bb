import { get, type ClientRequest, type IncomingMessage } from 'node:http';

/** Reads one kind of event (`state`, `fleet`) from the dashboard's stream with a plain HTTP client. */
export class EventReader<T> {
  private buffer = '';
  private readonly events: T[] = [];
  private waiting?: () => void;

  private constructor(
    private readonly client: ClientRequest,
    readonly response: IncomingMessage,
    event: string,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) !== -1) {
        const frame = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (frame.includes(`event: ${event}\n`) && data) this.events.push(JSON.parse(data.slice('data: '.length)));
      }
      this.waiting?.();
    });
  }

  static open<T>(url: string, event: string, headers: Record<string, string> = {}): Promise<EventReader<T>> {
    return new Promise((resolve, reject) => {
      const client = get(url, { headers }, (response) => resolve(new EventReader<T>(client, response, event)));
      client.on('error', reject);
    });
  }

  async next(timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === 0) {
      if (Date.now() > deadline) throw new Error('no event arrived');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.events.shift()!;
  }

  close(): void {
    this.client.destroy();
  }
}
