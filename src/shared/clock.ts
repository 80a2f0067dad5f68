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

export function today(clock: Clock): string {
  return shanghaiDate(clock.now());
}

export function fixedClock(iso: string): Clock {
  return { now: () => new Date(iso) };
}
