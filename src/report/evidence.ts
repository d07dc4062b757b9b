// Evidence of a failed pod: its log tail and its events, each line through the one redaction.
import type { CoreV1Event } from '@kubernetes/client-node';
import { redactSecrets } from './redact.js';

/** Events as one line each: `<type> <reason>: <message>`. */
export function formatEvents(events: CoreV1Event[]): string[] {
  return events.map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
}

/** A failed pod's evidence: its log tail and events, each line through the one redaction
 * (redact.ts), as deploy, previews and verify show them. */
export function podEvidence(pod: string | undefined, log: string, events: string[]): string[] {
  const lines = redactSecrets(log).trimEnd();
  return [
    ...(pod && lines.trim()
      ? [`Log of ${pod} (last lines):`, ...lines.split('\n').map((l) => `  ${l}`)]
      : []),
    ...(events.length ? ['Events:', ...events.map((e) => `  ${redactSecrets(e)}`)] : []),
  ];
}
