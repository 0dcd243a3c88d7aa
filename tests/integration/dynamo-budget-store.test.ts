/**
 * Budget counters against a real DynamoDB protocol server (dynalite): reservations are
 * conditional, so many at once never hold or spend past a limit; settling and releasing are
 * idempotent; holds of dead workers are reclaimed.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { OutgoingEvent } from '../../events/envelope.js';
import { DynamoBudgetStore } from '../../shared/adapters/dynamo-budget-store.js';
import { type Budget, type BudgetCounter, countersOf } from '../../shared/core/budgets/budget.js';
import type { Hold } from '../../shared/core/budgets/ports.js';
import { BudgetSpendGuard } from '../../shared/core/budgets/spend-guard.js';
import { TaskAttemptError } from '../../shared/core/errors.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const store = () => new DynamoBudgetStore(aws().dynamo, aws().tableName);
const AT = new Date('2030-06-15T12:00:00.000Z');

const budget = (fields: Partial<Budget> = {}): Budget => ({
  id: uniqueId('budget'),
  scope: 'all',
  usdPerDay: 1,
  usdPerMonth: null,
  createdAt: AT.toISOString(),
  updatedAt: AT.toISOString(),
  ...fields,
});

const dayCounter = (b: Budget): BudgetCounter => countersOf(b, AT)[0] as BudgetCounter;
const hold = (amountNano: number, until = AT.getTime() + 60_000): Hold => ({
  id: uniqueId('hold'),
  amountNano,
  until,
});

const counterItem = async (counter: BudgetCounter) =>
  (
    await aws().dynamo.send(
      new GetCommand({
        TableName: aws().tableName,
        Key: { pk: `BUDGET#${counter.budgetId}`, sk: `SPEND#day#${counter.period}` },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('DynamoBudgetStore counters', () => {
  it('never lets concurrent reservations together pass the limit', async () => {
    // Prepare: $1 a day; 40 reservations of $0.07 at once can only fit 14 times.
    const counter = dayCounter(budget());
    const holds = Array.from({ length: 40 }, () => hold(70_000_000));
    // Act
    const taken = await Promise.all(holds.map((h) => store().reserve(counter, h)));
    // Assess
    const granted = taken.filter(Boolean).length;
    expect(granted).toBe(14);
    const item = await counterItem(counter);
    expect(item?.reserved).toBe(granted * 70_000_000);
    expect(item?.committed).toBeLessThanOrEqual(1_000_000_000);
  });

  it('never lets concurrent guarded calls together spend past the limit', async () => {
    // Prepare: 30 workers each make calls that may cost up to $0.05 and really cost $0.04,
    // against $10 a day and $0.9 a month, through the guard as the worker uses it.
    const b = budget({ usdPerDay: 10, usdPerMonth: 0.9 });
    const events: OutgoingEvent[] = [];
    const guard = (taskId: string) =>
      new BudgetSpendGuard({
        store: store(),
        budgets: [b],
        price: { inputPerMillion: 0, outputPerMillion: 50_000 }, // $0.05 a call of 1 token
        agentId: 'worker',
        taskId,
        clock: { now: () => AT },
        holdUntil: AT.getTime() + 60_000,
        emit: (event) => events.push(event),
        context: { correlationId: 'test', clock: { now: () => AT } },
      });
    let spent = 0;
    let refused = 0;
    // Act
    await Promise.all(
      Array.from({ length: 30 }, async (_, worker) => {
        for (let call = 0; call < 3; call++) {
          try {
            const reservation = await guard(`task-${worker}`).reserve({
              inputTokens: 0,
              maxOutputTokens: 1,
            });
            await reservation.settle({ costUsd: 0.04, priced: true });
            spent += 0.04;
          } catch (error) {
            expect(error).toBeInstanceOf(TaskAttemptError);
            expect((error as TaskAttemptError).code).toBe('BudgetExceeded');
            refused++;
          }
        }
      }),
    );
    // Assess: whatever the interleaving, the month's $0.9 was never passed, and nothing is held.
    const [day, month] = await store().spend(countersOf(b, AT));
    expect(month?.spentNano).toBe(Math.round(spent * 1e9));
    expect(month?.spentNano).toBeLessThanOrEqual(900_000_000);
    expect(month?.reservedNano).toBe(0);
    expect(day?.spentNano).toBe(month?.spentNano);
    expect(refused).toBeGreaterThan(0);
    // At least 17 calls fit ($0.85 in settled $0.04 calls + room for none of $0.05 more).
    expect(spent).toBeGreaterThanOrEqual(0.04 * 17 - 1e-9);
    // One warning for the month at 80% (the day never got there), one refusal event.
    expect(events.filter((e) => e.type === 'budget.warning')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'budget.exceeded')).toHaveLength(1);
  });

  it('settles and releases a hold once, however often they are called', async () => {
    // Prepare
    const counter = dayCounter(budget());
    const h = hold(300_000_000);
    const other = hold(100_000_000);
    expect(await store().reserve(counter, h)).toBe(true);
    expect(await store().reserve(counter, other)).toBe(true);
    // Act
    await store().settle(counter, h, 120_000_000, false);
    await store().settle(counter, h, 120_000_000, false); // hold gone: the cost counts again
    await store().release(counter, other);
    await store().release(counter, other);
    // Assess: a second settle of a gone hold is a new cost; a second release changes nothing.
    const [spend] = await store().spend([counter]);
    expect(spend).toEqual({ spentNano: 240_000_000, reservedNano: 0, unpricedCalls: 0 });
    const item = await counterItem(counter);
    expect(item?.committed).toBe(240_000_000);
    expect(Object.keys(item ?? {}).filter((k) => k.startsWith('hold_'))).toEqual([]);
  });

  it('counts unpriced calls and reclaims the holds of workers that died', async () => {
    // Prepare: a dead worker's hold (until in the past) fills the budget.
    const counter = dayCounter(budget());
    const dead = hold(1_000_000_000, AT.getTime() - 1);
    expect(await store().reserve(counter, dead)).toBe(true);
    const next = hold(500_000_000);
    expect(await store().reserve(counter, next)).toBe(false);
    // Act
    const reclaimed = await store().reclaimExpired(counter, AT.getTime());
    const retried = await store().reserve(counter, next);
    await store().settle(counter, next, 0, true);
    // Assess
    expect(reclaimed).toBe(1);
    expect(retried).toBe(true);
    const [spend] = await store().spend([counter]);
    expect(spend).toEqual({ spentNano: 0, reservedNano: 0, unpricedCalls: 1 });
  });

  it('flags a warning once per limit, and again when the limit changes', async () => {
    const counter = dayCounter(budget());
    expect(await store().flag(counter, 'warned', 1_000_000_000)).toBe(true);
    expect(await store().flag(counter, 'warned', 1_000_000_000)).toBe(false);
    expect(await store().flag(counter, 'warned', 2_000_000_000)).toBe(true);
    expect(await store().flag(counter, 'exceeded', 2_000_000_000)).toBe(true);
  });
});

describe('DynamoBudgetStore definitions', () => {
  it('creates, lists, replaces and deletes budgets; an existing id conflicts', async () => {
    const b = budget({ scope: 'tag:nightly', usdPerMonth: 30 });
    await store().create(b);
    await expect(store().create(b)).rejects.toThrow(/exists/);
    expect(await store().get(b.id)).toEqual(b);
    await store().put({ ...b, usdPerDay: null });
    expect((await store().get(b.id))?.usdPerDay).toBeNull();
    expect((await store().listAll()).map((x) => x.id)).toContain(b.id);
    expect(await store().delete(b.id)).toBe(true);
    expect(await store().delete(b.id)).toBe(false);
    await expect(store().put(b)).rejects.toThrow(/not found/);
  });
});
