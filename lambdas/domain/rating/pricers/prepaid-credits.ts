/**
 * Prepaid credits are an amount balance (minor units) drawn down before money
 * is charged: lines are paid from the balance in invoice order (the commitment
 * true-up last) until it runs out. `appliesTo` restricts which charges credits
 * may pay for; the true-up counts as a charge only when no restriction is set.
 */
export function drawDownCredits(input: {
  readonly lines: ReadonlyArray<{ readonly chargeId: string; readonly amount: bigint; readonly isTrueUp: boolean }>;
  readonly balance: bigint;
  readonly appliesTo: readonly string[] | undefined;
}): { readonly appliedPerLine: readonly bigint[]; readonly applied: bigint; readonly balanceAfter: bigint } {
  let remaining = input.balance > 0n ? input.balance : 0n;
  const eligible = input.appliesTo === undefined ? undefined : new Set(input.appliesTo);
  const appliedPerLine = input.lines.map((line) => {
    const allowed = eligible === undefined || (!line.isTrueUp && eligible.has(line.chargeId));
    if (!allowed || remaining === 0n || line.amount <= 0n) return 0n;
    const applied = line.amount < remaining ? line.amount : remaining;
    remaining -= applied;
    return applied;
  });
  const applied = appliedPerLine.reduce((sum, value) => sum + value, 0n);
  return { appliedPerLine, applied, balanceAfter: input.balance - applied };
}
