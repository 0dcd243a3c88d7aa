/**
 * Thread message ids keep a turn with its question: a question's id ends in `000`, its turn's
 * messages take the same id with a sequence there, so in id order each turn follows its own
 * question even when the next question came first; and message events carry short contents
 * whole, long ones cut.
 */
import { describe, expect, it } from 'vitest';
import { ULID_PATTERN } from '../../shared/core/ids.js';
import {
  idBefore,
  MAX_TURN_MESSAGES,
  messageEventData,
  newQuestionId,
  turnEndId,
  turnMessageId,
  userMessage,
} from '../../shared/core/threads/thread.js';

describe('message ids', () => {
  it('are ULIDs; questions end in 000 and increase, even within a millisecond', () => {
    // Act
    const ids = Array.from({ length: 200 }, () => newQuestionId());

    // Assess
    for (const id of ids) {
      expect(id).toMatch(ULID_PATTERN);
      expect(id.endsWith('000')).toBe(true);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('put a turn’s messages after its question and before the next question', () => {
    // Prepare: the second question was sent while the first turn ran.
    const first = newQuestionId();
    const second = newQuestionId();

    // Act
    const answers = [1, 2, 31, 32, 1000, MAX_TURN_MESSAGES].map((n) => turnMessageId(first, n));

    // Assess
    const ordered = [second, ...answers, first].sort();
    expect(ordered).toEqual([first, ...answers, second]);
    for (const id of answers) expect(id).toMatch(ULID_PATTERN);
    expect(turnEndId(first) >= answers.at(-1)!).toBe(true);
    expect(turnEndId(first) < second).toBe(true);
    expect(() => turnMessageId(first, MAX_TURN_MESSAGES + 1)).toThrow(RangeError);
  });

  it('idBefore is the greatest id below, so inclusive ranges stop short of a question', () => {
    // Prepare: an earlier question's last possible message, then a question.
    const earlier = turnEndId(newQuestionId());
    const question = newQuestionId();

    // Act
    const before = idBefore(question);

    // Assess
    expect(before < question).toBe(true);
    expect(before.length).toBe(question.length);
    expect(before.endsWith('ZZZ')).toBe(true);
    expect(idBefore('01ABC0')).toBe('01ABBZ');
    expect(earlier <= before).toBe(true);
  });
});

describe('message events', () => {
  const thread = { id: '01JTHREADTHREADTHREADTHREA', agentId: 'chat' };

  it('carry a short content whole', () => {
    // Act
    const data = messageEventData(
      thread,
      userMessage({ id: newQuestionId(), content: { ask: 'hi' }, taskId: 't', createdAt: 'x' }),
    );

    // Assess
    expect(data).toMatchObject({
      threadId: thread.id,
      agentId: 'chat',
      role: 'user',
      taskId: 't',
      content: '{"ask":"hi"}',
      truncated: false,
    });
  });

  it('carry only the beginning of a long one, and say so', () => {
    // Act
    const data = messageEventData(
      thread,
      userMessage({ id: newQuestionId(), content: 'x'.repeat(5000), taskId: 't', createdAt: 'x' }),
    );

    // Assess
    expect(data.content).toHaveLength(1000);
    expect(data.truncated).toBe(true);
  });
});
