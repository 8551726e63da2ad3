// Asset changes as they happen, for the workspace's live updates (server-sent events, functions/web). The host
// feeds it every event its outbox relay hands over; listeners get the asset and project only (what changed is
// read again through the API, with the reader's permissions).
import type { EventEnvelope } from './envelope.ts';

export interface AssetChange {
  type: string;
  assetId: string;
  projectId: string;
  time: string;
}

export class LiveChanges {
  private readonly listeners = new Set<(change: AssetChange) => void>();

  /** Returns the function that stops the listener. */
  subscribe(listener: (change: AssetChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Events about one asset (uploaded, rendered, enriched, updated, failed, deleted) reach the listeners; others do not. */
  publish(envelope: EventEnvelope<unknown>): void {
    const data = envelope.data as { assetId?: unknown; projectId?: unknown };
    if (typeof data?.assetId !== 'string' || typeof data.projectId !== 'string') return;
    const change = { type: envelope.type, assetId: data.assetId, projectId: data.projectId, time: envelope.time };
    for (const listener of this.listeners) listener(change);
  }
}
