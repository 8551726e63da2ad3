// S3 multipart limits: at most 10,000 parts, each at least 5 MiB except the last.
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export function planParts(size: number, preferredPartSize: number): { partSize: number; partCount: number } {
  const partSize = Math.max(MIN_PART, preferredPartSize, Math.ceil(size / MAX_PARTS));
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}
