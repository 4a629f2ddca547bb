/** Base of every error the health module throws. */
export class HealthError extends Error {
  override name = 'HealthError';
}

/** An invalid HealthModule option; thrown at boot. */
export class HealthConfigError extends HealthError {
  override name = 'HealthConfigError';
}

/** A misdeclared health indicator; thrown at boot. */
export class HealthIndicatorDefinitionError extends HealthError {
  override name = 'HealthIndicatorDefinitionError';
}
