export async function stopTestDatabase(): Promise<void> {}
