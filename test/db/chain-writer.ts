// A separate process that appends to one chain, for the conformance suite:
// argv: uri dbName entity appends writerName. Prints a JSON summary line.
import { connectDatabase } from '../../src/db/connect.ts';
import { createChain } from '../../src/db/chain.ts';

const [uri, dbName, entity, appendsArg, writer] = process.argv.slice(2);
if (!uri || !dbName || !entity || !appendsArg || !writer) {
  console.error('usage: chain-writer uri dbName entity appends writer');
  process.exit(2);
}
const conn = await connectDatabase(uri, { autoIndex: false, dbName });
const chain = createChain<{ count: number; writer: string }>(conn, 'conformance_chain');
const won: number[] = [];
for (let i = 0; i < Number(appendsArg); i++) {
  const v = await chain.transition(
    entity,
    (cur) => ({ state: { count: (cur?.state.count ?? 0) + 1, writer }, by: writer }),
    () => new Date(),
    200,
  );
  won.push(v.n);
}
await conn.close();
console.log(JSON.stringify({ writer, won }));
