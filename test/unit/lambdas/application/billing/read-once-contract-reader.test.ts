// One read of each contract and plan while the reader is kept; a failed read is tried again.
import { describe, expect, it } from 'vitest';
import { readOnceContractReader } from '../../../../../lambdas/application/billing/read-once-contract-reader';
import type { ContractReader } from '../../../../../lambdas/application/billing/ports';
import type { Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import type { Plan } from '../../../../../lambdas/domain/plans/plan-schema';

function countingReader(failFirstContractRead = false) {
  const reads: string[] = [];
  let failing = failFirstContractRead;
  const reader: ContractReader = {
    getContract: async (contractId) => {
      reads.push(`contract:${contractId}`);
      if (failing) {
        failing = false;
        throw new Error('throttled');
      }
      return contractId === 'missing' ? undefined : ({ contractId } as unknown as Contract);
    },
    getPlan: async (planCode) => {
      reads.push(`plan:${planCode}`);
      return { code: planCode } as unknown as Plan;
    },
  };
  return { reader, reads };
}

describe('readOnceContractReader', () => {
  it('reads each contract and plan once, concurrent callers included, and remembers an absent contract too', async () => {
    const { reader, reads } = countingReader();
    const once = readOnceContractReader(reader);
    const [a, b] = await Promise.all([once.getContract('c-1'), once.getContract('c-1')]);
    expect(a).toBe(b);
    await once.getContract('c-1');
    await once.getContract('missing');
    expect(await once.getContract('missing')).toBeUndefined();
    await once.getPlan('support');
    await once.getPlan('support');
    await once.getContract('c-2');
    expect(reads).toEqual(['contract:c-1', 'contract:missing', 'plan:support', 'contract:c-2']);
  });

  it('does not keep a failed read: the next call reads again', async () => {
    const { reader, reads } = countingReader(true);
    const once = readOnceContractReader(reader);
    await expect(once.getContract('c-1')).rejects.toThrow('throttled');
    expect(await once.getContract('c-1')).toEqual({ contractId: 'c-1' });
    expect(await once.getContract('c-1')).toEqual({ contractId: 'c-1' });
    expect(reads).toEqual(['contract:c-1', 'contract:c-1']);
  });

  it('is kept per batch: a new reader reads again', async () => {
    const { reader, reads } = countingReader();
    await readOnceContractReader(reader).getContract('c-1');
    await readOnceContractReader(reader).getContract('c-1');
    expect(reads).toEqual(['contract:c-1', 'contract:c-1']);
  });
});
