// Asset changes as they happen, for the workspace's live updates (server-sent events, functions/web). The host
// feeds it every event its outbox relay hands over; listeners get the asset and project only (what changed is
// read again through the API, with the reader's permissions).
import type { EventEnvelope } from './envelope.ts';
import type { OutboxSink } from './relay.ts';

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

/**
 * The relay's sink, also telling the live feed once each event is handed over (its consumers have it: a re-read sees
 * the change). The sink keeps its mode: a detached in-process sink stays detached, so a transcode still running
 * never holds back the events after it (the poster's, which makes the video searchable).
 */
export function tellingLive(sink: OutboxSink, live: LiveChanges): OutboxSink {
  return { ...sink, send: async (envelope) => { await sink.send(envelope); live.publish(envelope); } };
}
