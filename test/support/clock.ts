/** A clock the test moves by hand. */
export interface TestClock {
  (): Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

export function testClock(start = '2026-11-21T12:00:00.000Z'): TestClock {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (t) => {
    now = new Date(t).getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
