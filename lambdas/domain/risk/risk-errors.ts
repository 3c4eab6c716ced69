import { codedEngineErrorClass } from '../errors/engine-error';

/** Thrown when a risk input cannot be assessed (caller mapped it wrongly, or data contradicts itself). */
export class RiskInputError extends codedEngineErrorClass('RiskInputError', 'invalid_input') {}

/** Thrown when checkpoint planning gets an impossible request (unknown zone, bad day list). */
export class CheckpointPlanError extends codedEngineErrorClass('CheckpointPlanError', 'invalid_input') {}
