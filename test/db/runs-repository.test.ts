import { expect } from 'chai';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { prepareDatabase } from '../../src/prepare.ts';
import { createRunsRepository, RUN_CHUNK_SIZE, type RunDoc } from '../../src/matching/runs.repository.ts';

describe('runs repository: a run of any size, stored in chunks', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase('runs-repository');
    await prepareDatabase(db.conn, { buildIndexes: false, now: new Date() });
  });
  after(async () => {
    await db.drop();
  });

  const run = (id: string, pairs: number, unmatched: number): RunDoc => ({
    _id: id,
    mode: 'participation',
    programs: ['aa'],
    createdBy: 'coordinator-1',
    createdAt: new Date('2026-11-30T10:00:00Z'),
    pairs: Array.from({ length: pairs }, (_, k) => ({
      newcomerId: `n${k}`,
      sponsorId: `s${k % 7}`,
      score: 50 + (k % 10) / 10,
      reasons: [{ factor: 'languages', contribution: 12.5, text: 'Speaks the same language' }],
    })),
    unmatched: Array.from({ length: unmatched }, (_, k) => ({ newcomerId: `u${k}`, reasons: [{ rule: 'program', count: 3, text: 'No sponsor in this program.' }] })),
  });

  it('when a run larger than one chunk is stored, then it reads back whole and in order, from several documents', async () => {
    const runs = createRunsRepository(db.conn);
    const big = run('run-big', 2 * RUN_CHUNK_SIZE + 17, RUN_CHUNK_SIZE + 1);
    await runs.insert(big);
    expect(await runs.get('run-big')).to.deep.equal(big);
    const chunks = (await db.conn.collection('matching_run_chunks').find({}).toArray()).filter((d) => String(d._id).startsWith('run-big:'));
    expect(chunks).to.have.length(3 + 2);
    const header = await db.conn.collection('matching_runs').findOne({ _id: 'run-big' as never });
    expect(header).to.include({ pairChunks: 3, unmatchedChunks: 2 });
    expect(header).not.to.have.property('pairs');
  });

  it('when a run has no pairs or no unmatched newcomers, then it reads back with empty lists', async () => {
    const runs = createRunsRepository(db.conn);
    await runs.insert(run('run-empty', 0, 0));
    expect(await runs.get('run-empty')).to.deep.equal(run('run-empty', 0, 0));
  });

  it('when a run was stored whole (before chunks), then it still reads back', async () => {
    const old = run('run-old', 3, 2);
    await db.conn.collection('matching_runs').insertOne(old as never);
    expect(await createRunsRepository(db.conn).get('run-old')).to.deep.equal(old);
  });

  it('when an id names no run, then nothing is returned', async () => {
    expect(await createRunsRepository(db.conn).get('no-such-run')).to.equal(undefined);
  });
});
