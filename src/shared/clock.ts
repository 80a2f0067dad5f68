/**
 * Time as the service sees it. Calendar days are Asia/Shanghai days whatever the server's
 * zone; tests inject a fixed clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const shanghaiDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Asia/Shanghai calendar day of an instant, as YYYY-MM-DD. */
export function shanghaiDate(instant: Date): string {
  return shanghaiDay.format(instant);
}

/**
 * An instant as people in Shanghai read a clock, `2026-03-01 00:00` (seconds only when not
 * zero, `2026-10-31 23:59:59`). Asia/Shanghai is UTC+08:00 and has had no DST since 1991.
 */
export function shanghaiTime(instant: Date): string {
  const wall = new Date(instant.getTime() + 8 * 3600 * 1000).toISOString();
  const seconds = wall.slice(17, 19);
  return `${wall.slice(0, 10)} ${wall.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

export function today(clock: Clock): string {
  return shanghaiDate(clock.now());
}

export function fixedClock(iso: string): Clock {
  return { now: () => new Date(iso) };
}
