import { isDuplicateKey } from './connect.ts';

const ATTEMPTS = 5;

/**
 * Runs an upsert by `_id`, again when it loses the race to create the document.
 * An upsert of a new `_id` is a find and then an insert (always on FerretDB,
 * and on MongoDB when writers contend), so two writers can both find nothing
 * and the second insert fails with a duplicate key. By then the document
 * exists, so the same upsert run again replaces it: the last writer wins, as
 * create-or-replace promises, instead of a spurious conflict.
 */
export async function upsertRetryingLostRace<T>(upsert: () => Promise<T>, attempts = ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await upsert();
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= attempts) throw err;
    }
  }
}
