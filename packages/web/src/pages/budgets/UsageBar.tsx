import { amount, budgetState, percentText } from './describe.js';
import type { Budget } from './types.js';

/**
 * Used against the limit as a bar, with a tick at each alert threshold; the numbers are written beside it, so the
 * colour is never the only sign of how much is left.
 */
export function UsageBar({ budget }: { budget: Budget }) {
  const state = budgetState(budget);
  const width = Math.min(100, Math.max(0, budget.percent));
  const text = `${amount(budget.metric, budget.used)} of ${amount(budget.metric, budget.limit)}`;
  return (
    <div className="usage" data-testid="budget-usage" data-state={state}>
      <div
        className={`usage-bar ${state}`}
        role="progressbar"
        aria-label={`${budget.name}: used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(width)}
        aria-valuetext={`${percentText(budget.percent)} used, ${text}`}
      >
        <span className="usage-fill" style={{ width: `${width}%` }} />
        {budget.thresholds
          .filter((t) => t < 100)
          .map((t) => (
            <span key={t} className="usage-tick" style={{ left: `${t}%` }} title={`Alert at ${t}%`} />
          ))}
      </div>
      <div className="usage-text">
        <span data-testid="budget-used">{text}</span>{' '}
        <strong data-testid="budget-percent">{percentText(budget.percent)}</strong>
      </div>
    </div>
  );
}
