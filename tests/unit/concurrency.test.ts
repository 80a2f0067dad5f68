import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { limitConcurrency } from '../../src/http/concurrency';

/** A request through the limiter: `started` once it is let through, `end()` closes its response. */
function send(limit: ReturnType<typeof limitConcurrency>) {
  const res = new EventEmitter();
  const request = { started: false, end: () => res.emit('close') };
  void limit({} as Request, res as unknown as Response, () => {
    request.started = true;
  });
  return request;
}

describe('limitConcurrency', () => {
  it('lets `max` requests run, queues the rest in order, and admits the next as one ends', () => {
    const limit = limitConcurrency(2);
    const [a, b, c, d] = [send(limit), send(limit), send(limit), send(limit)];
    expect([a, b, c, d].map((r) => r.started)).toEqual([true, true, false, false]);
    b.end();
    expect([c.started, d.started]).toEqual([true, false]);
    a.end();
    expect(d.started).toBe(true);
  });

  it('drops a waiting request whose client went away, and never counts a place twice', () => {
    const limit = limitConcurrency(1);
    const [a, gone, c] = [send(limit), send(limit), send(limit)];
    gone.end();
    a.end();
    expect([gone.started, c.started]).toEqual([false, true]);
    c.end();
    c.end();
    const [d, e] = [send(limit), send(limit)];
    expect([d.started, e.started]).toEqual([true, false]);
  });
});
