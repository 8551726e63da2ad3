// Live asset changes from GET /events (server-sent events). Read with fetch rather than EventSource, so the token
// travels in the Authorization header and never in a URL; reconnects with a growing pause.
import { session, type LiveEvent } from './api';

export function listenForChanges(onChange: (event: LiveEvent) => void, onState: (connected: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let pause = 1000;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch('/events', { headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
        onState(true);
        pause = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffer += read.value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            const type = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
            const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
            if (type === 'change' && data) onChange(JSON.parse(data) as LiveEvent);
          }
        }
      } catch {
        // reconnect below
      }
      onState(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 30_000);
    }
  };
  void run();
  return () => { stopped = true; controller?.abort(); };
}
