/**
 * Runs planned batches on a model's side-by-side sessions: one lane per session, each taking the next batch
 * when its own is done. After a failure (or an abort thrown by a batch) no lane starts another batch, and the
 * call settles only once the running ones have finished, so the next call never meets a busy session. Batches
 * write their results at their rows' indices, so the order of completion does not matter.
 */
export async function runBatchesInLanes<Plan>(plans: readonly Plan[], parallelRuns: number | undefined, runOne: (plan: Plan) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < plans.length) {
      const plan = plans[next++] as Plan;
      try {
        await runOne(plan);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(parallelRuns ?? 1, plans.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure.error;
}
