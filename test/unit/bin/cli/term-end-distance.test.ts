import { describe, expect, it } from 'vitest';
import { termEndDistance } from '../../../../bin/cli/risk-command';

describe('termEndDistance', () => {
  it('counts down to the term end, then says how long ago it ended', () => {
    expect(termEndDistance(44)).toBe('44 days to term end');
    expect(termEndDistance(1)).toBe('1 day to term end');
    expect(termEndDistance(0)).toBe('0 days to term end');
    expect(termEndDistance(-1)).toBe('term ended 1 day ago');
    expect(termEndDistance(-30)).toBe('term ended 30 days ago');
  });
});
