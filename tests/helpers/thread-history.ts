/**
 * A thread's history written straight through the store, as if `n` messages (question, answer,
 * …) had been exchanged: for tests and benchmarks of long threads. All messages have the same
 * length, so that the newest ones weigh the same whatever `n` is.
 */
import type { ThreadStore } from '../../shared/core/threads/ports.js';
import {
  newQuestionId,
  type StoredMessage,
  turnMessageId,
  userMessage,
} from '../../shared/core/threads/thread.js';

export async function seedHistory(
  threads: ThreadStore,
  threadId: string,
  n: number,
): Promise<void> {
  const at = new Date().toISOString();
  const messages: StoredMessage[] = [];
  for (let i = 0; i < n; i += 2) {
    const id = newQuestionId();
    const label = String(i).padStart(5, '0');
    messages.push(
      userMessage({ id, content: `question ${label}`, taskId: 'seeded', createdAt: at }),
    );
    messages.push({
      id: turnMessageId(id, 1),
      role: 'assistant',
      content: `answer ${label}`,
      taskId: 'seeded',
      createdAt: at,
      tokens: 7,
    });
  }
  for (let i = 0; i < messages.length; i += 500) {
    await threads.putMessages(threadId, messages.slice(i, i + 500), 0);
  }
  // Counted as if they had come through turns: later turns know what precedes them.
  await threads.count(threadId, { messages: n, settled: n });
}
