/** The answer of /api/v1/analytics/errors. */
export interface ErrorGroup {
  error_type: string | null;
  /** The message with ids and numbers replaced by placeholders, so messages that differ only there group. */
  pattern: string | null;
  count: number;
  first_seen: string;
  last_seen: string;
  /** The newest event ids of the group. */
  sample_ids: string[];
}

export interface ErrorsByModel {
  provider: string | null;
  model: string | null;
  calls: number;
  errors: number;
  error_rate: number;
}

export interface ErrorsAnswer {
  from: string;
  to: string;
  calls: number;
  errors: number;
  error_rate: number;
  by_status: Record<string, number>;
  by_model: ErrorsByModel[];
  groups: ErrorGroup[];
}

/** A group's key in the URL (`group=`): its type and pattern, which together make it one group. */
export const groupKey = (g: Pick<ErrorGroup, 'error_type' | 'pattern'>): string =>
  `${g.error_type ?? ''}|${g.pattern ?? ''}`;

/** A failure that reported no type or message (a timeout, say) still forms a group; these name its blanks. */
export const typeLabel = (t: string | null): string => t ?? '(no type)';
export const patternLabel = (p: string | null): string => p ?? '(no message)';
