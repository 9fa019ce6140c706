export type Progress = (message: string) => void;

export interface LocalDatabase {
  uri: string;
  engine: 'mongod' | 'ferretdb';
  version: string;
  stop(): Promise<void>;
}

/** The local database cannot be had; the message says what to do instead. */
export class LocalDatabaseUnavailable extends Error {
  override name = 'LocalDatabaseUnavailable';
}
