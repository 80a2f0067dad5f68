/**
 * At most `max` requests at a time through a route; the rest wait their turn in order. Used
 * for uploads: multer's memory storage holds a whole file (up to 5 MB) until the request ends,
 * so 150 phones sending photos at once took the service past 1 GB. Waiting requests have not
 * been read yet, so their bytes stay in the socket, not in memory. A request whose client goes
 * away while waiting or running gives its place up.
 */
import type { RequestHandler } from 'express';

export function limitConcurrency(max: number): RequestHandler {
  let active = 0;
  const queue: (() => void)[] = [];
  const admit = () => {
    while (active < max && queue.length > 0) queue.shift()?.();
  };
  return (_req, res, proceed) => {
    let state: 'waiting' | 'running' | 'done' = 'waiting';
    const start = () => {
      state = 'running';
      active += 1;
      proceed();
    };
    res.once('close', () => {
      if (state === 'running') active -= 1;
      if (state === 'waiting') queue.splice(queue.indexOf(start), 1);
      state = 'done';
      admit();
    });
    queue.push(start);
    admit();
  };
}

/** Uploads read into memory at once, across the whole service. */
export const uploadSlots = limitConcurrency(4);
