import type { Task } from '../brain.js';
import type { Behaviour, BotContext } from './types.js';

/**
 * Takes the tasks that ask for one of the bot's capabilities and does them
 * with the brain: one `client.tasks.work()` worker per capability, which
 * finds them (on start, on every reconnect, on `task.ready` pushes), claims
 * them without racing other workers, and submits what the brain produced, or
 * blocks the task with the reason when the brain cannot do it. A task the
 * reviewer rejects comes back to the bot and is done again, with the
 * reviewer's comment in `task.review_comment`.
 *
 * Restart safety: a task the bot was doing when it stopped (crash, kill -9)
 * is still `doing` with the bot as runner; the worker's first scan finds it
 * and runs it again.
 */
export const takeTasks: Behaviour = {
  name: 'tasks',
  start(ctx) {
    if (ctx.capabilities.length === 0) return;
    const workers = ctx.capabilities.map((capability) =>
      ctx.client.tasks.work(
        {
          capability,
          onError: (err, taskId) => ctx.log(`tasks (${capability}${taskId ? `, ${taskId}` : ''}): ${err.message}`),
        },
        async (task, run) => {
          // Best effort: a progress report that fails does not fail the task (one taken away aborts run.signal anyway).
          await run.progress(10, `${ctx.name} is on it`).catch((err: unknown) => ctx.log(`task ${task.task_id}: progress not reported (${message(err)})`));
          const output = await think(ctx, capability, task, run.signal);
          ctx.log(`did task ${task.task_id} (${capability})${task.review_comment ? ' again, after review' : ''}`);
          return output;
        },
      ),
    );
    return async () => {
      await Promise.all(workers.map((w) => w.stop()));
    };
  },
};

/** The brain's output for a task; a task it cannot do throws, and the worker blocks the task with that reason. */
async function think(ctx: BotContext, capability: string, task: Task, signal: AbortSignal): Promise<string> {
  const text = task.description ? `${task.title}\n\n${task.description}` : task.title;
  const output = await ctx.brain({ kind: 'task', capability, text, from: task.owner_id, task }, signal);
  if (output === null || output.trim() === '') throw new Error(`${ctx.name} cannot do this task (${capability})`);
  return output;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
