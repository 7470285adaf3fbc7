export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

export function createSseParser(onEvent: (event: SseEvent) => void): { push(chunk: string): void; end(): void };

export function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => boolean | void): Promise<void>;
