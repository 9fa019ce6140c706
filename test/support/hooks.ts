// Global fixtures. The database server is started before the first test file,
// where no hook timeout applies: on a fresh machine the first start builds
// FerretDB from its Go module (minutes), which no per-hook timeout should race.
// Whatever the run started is stopped at the end, so that a forgotten handle
// cannot hang the run.
export async function mochaGlobalSetup(): Promise<void> {
  const { testDatabaseUri } = await import('./db.ts');
  await testDatabaseUri();
}

export async function mochaGlobalTeardown(): Promise<void> {
  const { stopTestDatabase } = await import('./db.ts');
  await stopTestDatabase();
}
