// Descriptive metadata embedded in image files (IPTC IIM, XMP, EXIF), read on ingest with exifr: headline,
// caption, keywords, creator, credit, copyright, usage terms and location, as the asset's matching fields
// (domain/asset-commands.ts fillFromEmbedded decides what fills what). XMP wins over IPTC, IPTC over EXIF, as
// the IPTC Photo Metadata guidelines recommend for readers.
import exifr from 'exifr';
import type { EmbeddedMetadata } from '../domain/asset-commands.ts';

/** Longest text taken from a file (a caption can be long; nothing a camera writes is longer). */
const MAX_TEXT = 5000;
const MAX_KEYWORDS = 100;

/** What the file says, or nothing when it carries none (or is not a format exifr reads: JPEG, TIFF, PNG, HEIC, AVIF, WebP). */
export async function readEmbeddedMetadata(file: string | Buffer): Promise<EmbeddedMetadata> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await parseTags(file);
  } catch {
    return {};
  }
  if (!tags) return {};
  const xmp = (tags.xmp ?? {}) as Record<string, unknown>;
  const xmpNs = (ns: string) => ((tags![ns] ?? xmp[ns] ?? {}) as Record<string, unknown>);
  const dc = xmpNs('dc');
  const photoshop = xmpNs('photoshop');
  const rights = xmpNs('xmpRights');
  const core = xmpNs('Iptc4xmpCore');
  const iptc = (tags.iptc ?? {}) as Record<string, unknown>;
  const ifd0 = (tags.ifd0 ?? {}) as Record<string, unknown>;

  const headline = first(photoshop.Headline, iptc.Headline, dc.title, iptc.ObjectName);
  const caption = first(dc.description, iptc.Caption, ifd0.ImageDescription);
  const keywords = list(dc.subject).length ? list(dc.subject) : list(iptc.Keywords);
  const place = [first(core.Location, iptc.Sublocation), first(photoshop.City, iptc.City), first(photoshop.State, iptc.State), first(photoshop.Country, iptc.Country)]
    .filter((part): part is string => Boolean(part));
  const fields: Record<string, string> = {};
  const put = (name: string, value: string | undefined) => {
    if (value) fields[name] = value;
  };
  put('creator', list(dc.creator).join(', ') || first(iptc.Byline, ifd0.Artist));
  put('credit', first(photoshop.Credit, iptc.Credit));
  put('copyright', first(dc.rights, iptc.CopyrightNotice, ifd0.Copyright));
  put('usageTerms', first(rights.UsageTerms));
  put('location', [...new Set(place)].join(', ') || undefined);
  return {
    ...(headline ? { headline: headline.slice(0, 500) } : {}),
    ...(caption ? { caption } : {}),
    ...(keywords.length ? { keywords: [...new Set(keywords.map((k) => k.slice(0, 100)))].slice(0, MAX_KEYWORDS) } : {}),
    ...(Object.keys(fields).length ? { fields } : {}),
  };
}

const TAGS = { tiff: true, exif: false, gps: false, ifd1: false, interop: false, icc: false, makerNote: false, userComment: false, iptc: true, xmp: true, mergeOutput: false };

/**
 * The file's tags; its extended XMP (a packet over 64 KiB split over several segments) only where it has one: finding
 * every segment reads the whole file (3 ms of a 10 MB JPEG's 3.3 ms), and the standard packet says when there is more.
 */
async function parseTags(file: string | Buffer): Promise<Record<string, unknown> | undefined> {
  const tags = await exifr.parse(file, { ...TAGS, multiSegment: false }) as Record<string, unknown> | undefined;
  if (!tags) return undefined; // nothing in the header, so no extended packet either
  const note = (tags.xmpNote ?? (tags.xmp as Record<string, unknown> | undefined)?.xmpNote) as { HasExtendedXMP?: unknown } | undefined;
  // a reader that stops early fails on a split packet (errors) or has only its standard half (HasExtendedXMP)
  if (!tags.errors && !note?.HasExtendedXMP) return tags;
  return await exifr.parse(file, { ...TAGS, multiSegment: true }) as Record<string, unknown> | undefined;
}

/** A text value as exifr gives it: a string, a number, a language alternative ({ lang, value }) or a list of them. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const cleaned = xmlText(value).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
    return cleaned ? [...cleaned].slice(0, MAX_TEXT).join('') : undefined;
  }
  if (Array.isArray(value)) return textOf(value[0]);
  if (value && typeof value === 'object' && 'value' in value) return textOf((value as { value: unknown }).value);
  return undefined;
}

function first(...values: unknown[]): string | undefined {
  for (const value of values) {
    const text = textOf(value);
    if (text) return text;
  }
  return undefined;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : typeof value === 'string' && value.includes(';') ? value.split(';') : [value];
  return items.map(textOf).filter((item): item is string => Boolean(item));
}

/** exifr gives XMP text as written, XML character references included ("&amp;"): decoded here. */
function xmlText(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return named[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
