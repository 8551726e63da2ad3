import type { CompletedPart } from '../storage/object-store.ts';

// S3 multipart limits: at most 10,000 parts, each at least 5 MiB except the last.
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export function planParts(size: number, preferredPartSize: number): { partSize: number; partCount: number } {
  const partSize = Math.max(MIN_PART, preferredPartSize, Math.ceil(size / MAX_PARTS));
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/**
 * Why a multipart completion cannot succeed, or undefined when it can: every part from 1 to partCount exactly once,
 * each with the ETag the store holds for it. Checked before the store is asked, so a bad request touches nothing.
 */
export function completionProblem(partCount: number, given: CompletedPart[], stored: CompletedPart[]): string | undefined {
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const { partNumber } of given) (seen.has(partNumber) ? repeated : seen).add(partNumber);
  if (repeated.size > 0) return `part ${list([...repeated])} is listed more than once`;
  const beyond = [...seen].filter((n) => n > partCount);
  if (beyond.length > 0) return `this upload has ${partCount} parts; part ${list(beyond)} does not exist`;
  const missing = range(partCount).filter((n) => !seen.has(n));
  if (missing.length > 0) return `part ${list(missing)} is missing from the list (expected parts 1 to ${partCount})`;
  const held = new Map(stored.map((part) => [part.partNumber, unquote(part.etag)]));
  const notReceived = range(partCount).filter((n) => !held.has(n));
  if (notReceived.length > 0) return `the store has not received part ${list(notReceived)}; upload ${notReceived.length > 1 ? 'them' : 'it'} first`;
  for (const part of [...given].sort((a, b) => a.partNumber - b.partNumber)) {
    const expected = held.get(part.partNumber)!;
    if (unquote(part.etag) !== expected) return `part ${part.partNumber}: the ETag given is "${unquote(part.etag)}", the store holds "${expected}" for it`;
  }
  return undefined;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

function list(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted.length > 10 ? `${sorted.slice(0, 10).join(', ')} (and ${sorted.length - 10} more)` : sorted.join(', ');
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '');
}
