import { useState } from 'react';
import { useApi } from '../api/hooks.js';
import type { Breakdown } from '../api/types.js';
import { DIMENSIONS, labelOf } from '../state/dimensions.js';
import { useView } from '../state/view.js';

/**
 * The active filters as removable chips, and a form to add one: any dimension, a tag, or a metadata key, with the
 * values seen in the range offered as suggestions. Filters are URL parameters named as the API's, so `!a` excludes.
 */
export function FilterBar({ fields = DIMENSIONS as readonly string[] }: { fields?: readonly string[] }) {
  const view = useView();
  const [field, setField] = useState<string>('model');
  const [metaKey, setMetaKey] = useState('');
  const [value, setValue] = useState('');
  const [exclude, setExclude] = useState(false);
  // Suggestions are asked for once the user starts on a value, not with every page load.
  const [wantsSuggestions, setWantsSuggestions] = useState(false);
  const name = field === 'metadata' ? `metadata.${metaKey.trim()}` : field;
  const suggest = useApi<Breakdown>(
    wantsSuggestions && (DIMENSIONS as readonly string[]).includes(field) ? '/api/v1/analytics/breakdown' : null,
    { ...view.params, by: field, metrics: 'calls', limit: 50 },
    { refresh: false },
  );

  const add = () => {
    if (!value.trim() || (field === 'metadata' && !metaKey.trim())) return;
    const existing = view.search.get(name);
    const v = value.trim();
    const next = existing && !exclude && !existing.startsWith('!') ? `${existing},${v}` : exclude ? `!${v}` : v;
    view.set({ [name]: next });
    setValue('');
  };

  return (
    <div className="filter-bar" data-testid="filter-bar">
      <ul className="chips" aria-label="Active filters">
        {view.filters.map(([k, v]) => (
          <li key={k} className="chip">
            <span>
              {labelOf(k)} {v.startsWith('!') ? 'is not' : 'is'}{' '}
              <strong>{v.replace(/^!/, '').split(',').join(' or ')}</strong>
            </span>
            <button
              type="button"
              className="icon"
              aria-label={`Remove filter ${labelOf(k)}`}
              onClick={() => view.set({ [k]: null })}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        className="filter-add"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <select
          aria-label="Filter field"
          value={field}
          onChange={(e) => setField(e.target.value)}
          data-testid="filter-field"
        >
          {fields.map((d) => (
            <option key={d} value={d}>
              {labelOf(d)}
            </option>
          ))}
          <option value="tag">Tag</option>
          <option value="metadata">Metadata key…</option>
        </select>
        {field === 'metadata' ? (
          <input
            aria-label="Metadata key"
            placeholder="key"
            value={metaKey}
            onChange={(e) => setMetaKey(e.target.value)}
          />
        ) : null}
        <select
          aria-label="Match"
          value={exclude ? 'not' : 'is'}
          onChange={(e) => setExclude(e.target.value === 'not')}
        >
          <option value="is">is</option>
          <option value="not">is not</option>
        </select>
        <input
          aria-label="Filter value"
          data-testid="filter-value"
          placeholder="value"
          list="filter-suggestions"
          value={value}
          onFocus={() => setWantsSuggestions(true)}
          onChange={(e) => setValue(e.target.value)}
        />
        <datalist id="filter-suggestions">
          {(suggest.data?.rows ?? [])
            .filter((r) => r.value !== null)
            .map((r) => (
              <option key={String(r.value)} value={String(r.value)} />
            ))}
        </datalist>
        <button type="submit">Add filter</button>
      </form>
    </div>
  );
}
