import type { SignalCode } from './risk-config';

export interface RecommendedPlay {
  readonly code: string;
  readonly title: string;
  readonly steps: readonly string[];
}

/** One play per dominant signal: what a CSM does first about the biggest driver. */
export const RECOMMENDED_PLAYS: Readonly<Record<SignalCode, RecommendedPlay>> = {
  outcome_attainment: {
    code: 'value_recovery_review',
    title: 'Value recovery review with the sponsor',
    steps: [
      'Walk through the success targets and the value summary with the economic sponsor',
      'Agree a recovery plan for the target furthest behind, with a date to re-measure',
      'Decide whether the targets still match what the customer is trying to achieve',
    ],
  },
  outcome_trend: {
    code: 'usage_drop_investigation',
    title: 'Find out what changed',
    steps: [
      'Ask the champion what changed since the baseline period (team, process, integration, seasonality)',
      'Check for a competing tool or a reorganisation',
      'Re-engage the users whose outcomes dropped most',
    ],
  },
  commitment_burn: {
    code: 'right_size_commitment',
    title: 'Right-size the commitment before renewal',
    steps: [
      'Show the projected spend against the commitment',
      'Plan adoption that would use the commitment, or propose a commitment that fits the projected spend',
      'Involve the account executive before the customer raises it',
    ],
  },
  payment_health: {
    code: 'billing_follow_up',
    title: 'Clear the payment problem with finance',
    steps: [
      'Contact the billing contact to update the payment method or settle past-due invoices',
      'Check whether the failure signals a budget freeze or a change of owner',
    ],
  },
  signal_gap: {
    code: 'integration_health_check',
    title: 'Check the outcome integration',
    steps: [
      'Confirm the customer is still sending outcome events (rejected outcomes, credentials, deployments)',
      'If the integration is fine, the customer has stopped using the service: treat as an adoption emergency',
    ],
  },
  customer_feedback: {
    code: 'detractor_follow_up',
    title: 'Close the loop on negative feedback',
    steps: [
      'Call the detractors and low-CSAT respondents within a week',
      'Log the themes and agree fixes with the product or support team',
    ],
  },
  outcome_disputes: {
    code: 'billing_trust_review',
    title: 'Walk the customer through what was billed',
    steps: [
      'Send the itemised statement and go through the disputed outcomes with finance and the customer',
      'Where disputes are upheld often, agree with product what counts and tighten the outcome definition',
    ],
  },
};
