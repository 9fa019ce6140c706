import type { Connection } from 'mongoose';

export interface Finding {
  collection: string;
  id: string;
  needle: string;
}

/**
 * Every document of every collection of the database, read whole (as JSON,
 * any depth, `_id` included), and each needle found in it (case-insensitive).
 * `exempt(doc)` leaves out documents the test names (someone else's).
 */
export async function scanDatabase(conn: Connection, needles: readonly string[], exempt: (collection: string, json: string) => boolean = () => false): Promise<Finding[]> {
  const findings: Finding[] = [];
  const lower = needles.filter((n) => n.length > 0).map((n) => [n, n.toLowerCase()] as const);
  const names = (await conn.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of names) {
    for await (const doc of conn.db!.collection(name).find({})) {
      const json = JSON.stringify(doc);
      if (exempt(name, json)) continue;
      const hay = json.toLowerCase();
      for (const [needle, l] of lower) if (hay.includes(l)) findings.push({ collection: name, id: String(doc._id), needle });
    }
  }
  return findings;
}
