// Global teardown: whatever the tests started (the local database child
// process) is stopped here, so that a forgotten handle cannot hang the run.
export async function mochaGlobalTeardown(): Promise<void> {
  const { stopTestDatabase } = await import('./db.ts');
  await stopTestDatabase();
}
