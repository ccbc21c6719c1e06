import { useState, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  /** A sort value; columns without one are not sortable. */
  sort?: (row: T) => number | string | null;
  numeric?: boolean;
}

/**
 * A table with sortable columns (click or Enter on a header) and optional clickable rows (click or Enter on a
 * focused row), so that it works from the keyboard alone.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  onRowClick,
  caption,
  empty = 'Nothing in this range.',
  testId,
}: {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  onRowClick?: (row: T) => void;
  caption?: string;
  empty?: ReactNode;
  testId?: string;
}) {
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const col = sort ? columns.find((c) => c.key === sort.key) : undefined;
  const sorted =
    col?.sort && sort
      ? [...rows].sort((a, b) => {
          const x = col.sort!(a);
          const y = col.sort!(b);
          if (x === y) return 0;
          if (x === null) return 1;
          if (y === null) return -1;
          const r = x < y ? -1 : 1;
          return sort.desc ? -r : r;
        })
      : rows;
  if (rows.length === 0) return <div className="state empty">{empty}</div>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid={testId}>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                scope="col"
                className={c.numeric ? 'num' : undefined}
                aria-sort={sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined}
              >
                {c.sort ? (
                  <button
                    type="button"
                    className="th-sort"
                    onClick={() => setSort({ key: c.key, desc: sort?.key === c.key ? !sort.desc : true })}
                  >
                    {c.label}
                    {sort?.key === c.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr
              key={rowKey(row)}
              className={onRowClick ? 'clickable' : undefined}
              tabIndex={onRowClick ? 0 : undefined}
              onClick={onRowClick ? () => onRowClick(row) : undefined}
              onKeyDown={
                onRowClick
                  ? (e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        onRowClick(row);
                      }
                    }
                  : undefined
              }
            >
              {columns.map((c) => (
                <td key={c.key} className={c.numeric ? 'num' : undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
