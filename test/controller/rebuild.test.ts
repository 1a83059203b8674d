import { describe, expect, it } from 'vitest';
import { RebuildLoop } from '../../src/controller/rebuild.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

function loop(): { clock: ManualClock; loop: RebuildLoop; builds: number[] } {
  const clock = new ManualClock();
  const builds: number[] = [];
  const start = clock.now();
  const l = new RebuildLoop({ clock, holdOffMs: 50, maxWaitMs: 1000, rebuild: () => builds.push(clock.now() - start) });
  return { clock, loop: l, builds };
}

describe('RebuildLoop', () => {
  it('builds nothing before it is enabled (caches not synced), however many changes arrive', async () => {
    const { clock, loop: l, builds } = loop();
    for (let i = 0; i < 5; i++) l.trigger();
    await clock.advance(5000);
    expect(builds).toEqual([]);
    l.enable();
    l.flush();
    expect(builds).toEqual([5000]);
  });

  it('batches a burst of changes into one build, a hold-off after the last', async () => {
    const { clock, loop: l, builds } = loop();
    l.enable();
    for (let i = 0; i < 4; i++) {
      l.trigger();
      await clock.advance(20);
    }
    expect(builds).toEqual([]);
    await clock.advance(100);
    expect(builds).toEqual([110]); // last change at 60, + 50
  });

  it('never lets a steady stream of changes postpone a build past the maximum wait', async () => {
    const { clock, loop: l, builds } = loop();
    l.enable();
    for (let i = 0; i < 150; i++) {
      l.trigger();
      await clock.advance(20);
    }
    expect(builds).toEqual([1000, 2000, 3000]);
  });

  it('stops: a pending build does not run', async () => {
    const { clock, loop: l, builds } = loop();
    l.enable();
    l.trigger();
    l.stop();
    await clock.advance(2000);
    expect(builds).toEqual([]);
  });
});
