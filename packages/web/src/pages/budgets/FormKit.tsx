import { useId, type ReactNode } from 'react';
import type { ApiError } from '../../api/client.js';
import { ChangeError, fieldOf, useManageAccess, type FieldProblem } from './changes.js';

/** The problems of a refused change, by form field ('' for those about the whole request). */
export function problemsByField(error: ApiError | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!(error instanceof ChangeError)) return out;
  for (const p of error.fields) {
    const field = fieldOf(p);
    out.set(field, [...(out.get(field) ?? []), p.message]);
  }
  return out;
}

/** Problems no field of the form shows (a field the form does not have, or the whole request). */
export function unplaced(error: ApiError | null, fields: readonly string[]): FieldProblem[] {
  if (!(error instanceof ChangeError)) return [];
  return error.fields.filter((p) => !fields.includes(fieldOf(p)));
}

/**
 * A labelled form control with its hint and, after a refused change, the API's message for it right below,
 * tied to the control with aria-describedby so that a screen reader reads it with the field.
 */
export function Field({
  label,
  name,
  problems,
  hint,
  children,
}: {
  label: string;
  name: string;
  problems: Map<string, string[]>;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string; name: string }) => ReactNode;
}) {
  const id = useId();
  const messages = problems.get(name) ?? [];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = messages.length > 0 ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`form-field${messages.length > 0 ? ' invalid' : ''}`} data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        ...(messages.length > 0 ? { 'aria-invalid': true as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint ? (
        <span className="form-hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {messages.length > 0 ? (
        <span className="field-error" id={errorId} data-testid={`field-error-${name}`}>
          {label}: {messages.join('; ')}
        </span>
      ) : null}
    </div>
  );
}

/** The outcome of a refused change above the form's buttons: what the API said, and the fields it named. */
export function FormProblem({ error, fields }: { error: ApiError | null; fields: readonly string[] }) {
  if (!error) return null;
  const others = unplaced(error, fields);
  const placed = error instanceof ChangeError && error.fields.length > others.length;
  return (
    <div className="state error form-problem" role="alert" data-testid="form-problem">
      {placed ? (
        <strong>The server did not accept the form: see the messages under the fields.</strong>
      ) : (
        <>
          <strong>The server refused the change{error.status ? ` (${error.status})` : ''}:</strong> {error.message}
        </>
      )}
      {others.length > 0 ? (
        <ul>
          {others.map((p) => (
            <li key={p.path + p.message}>
              {p.path.replace(/^body\.?/, '') || 'The request'} {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Empty text is "any" (null) for the optional scope fields. */
export const textOrNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());

/**
 * A number typed in a form: empty is absent, a number is sent as such, and anything else is sent as typed so that
 * the API names the problem in its own words.
 */
export function typedNumber(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** Why the forms are disabled, in the API's words: this key may read budgets and alert rules, not change them. */
export function DeniedNote() {
  const { denied } = useManageAccess();
  if (!denied) return null;
  return (
    <div className="state error" role="alert" data-testid="manage-denied">
      <strong>Changes are disabled for this key.</strong> The server answered: {denied.message}
      <div className="hint">
        The lists stay up to date. To create, edit or delete, sign in with a key of the manage scope or the admin token.
      </div>
    </div>
  );
}
