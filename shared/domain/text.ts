// Bounding text by its UTF-8 size (what databases and indexes limit). Pure.

/** The longest prefix of text that is at most maxBytes in UTF-8, never cutting a character in two. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  // Up to 3 UTF-8 bytes per UTF-16 unit: short enough strings need no encoding at all.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back to the first byte of the character cut
  return bytes.subarray(0, end).toString('utf8');
}
