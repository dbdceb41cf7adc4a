// The error a call throws (or rejects with), so a test can assert its name and message; fails when it succeeds.
export async function failure(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
