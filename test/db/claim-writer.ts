// A separate process that tries to claim one _id, for the conformance suite:
// argv: uri dbName id writer. Prints "won" or "duplicate".
import { connectDatabase, isDuplicateKey } from '../../src/db/connect.ts';

const [uri, dbName, id, writer] = process.argv.slice(2);
const conn = await connectDatabase(uri!, { autoIndex: false, dbName: dbName! });
try {
  await conn.collection('conformance_claims').insertOne({ _id: id as never, writer });
  console.log('won');
} catch (err) {
  console.log(isDuplicateKey(err) ? 'duplicate' : `error ${(err as Error).message}`);
}
await conn.close();
