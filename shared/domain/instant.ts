// Dates and instants from clients (query strings, cursors). Pure. Only real calendar dates are accepted
// (2024-02-31 is not 2 March) and only years 1000–9999: JavaScript and PostgreSQL disagree outside that
// (year 0, the ±275760 extremes), and no asset was created then.

export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date-time with a zone (`2024-03-01T10:00:00Z`,
 * `2024-03-01T10:00+01:00`), as a Date; undefined for anything else, including impossible dates and times.
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const y = Number(year), mo = Number(month), d = Number(day), h = Number(hour), mi = Number(minute), s = Number(second);
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
