import { useState } from 'react';
import { useView } from '../../state/view.js';

/**
 * A filter on any metadata key, typed freely: metadata keys are the user's own, so there is no list to pick from.
 * A second value for a key already filtered widens that filter (key is a or b), as the FilterBar does.
 */
export function MetadataFilter() {
  const view = useView();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const add = () => {
    const k = key.trim();
    const v = value.trim();
    if (!k || !v) {
      setProblem('Type both a metadata key (such as customer) and the value to keep.');
      return;
    }
    const name = `metadata.${k}`;
    const existing = view.search.get(name);
    view.set({ [name]: existing && !existing.startsWith('!') ? `${existing},${v}` : v });
    setProblem(null);
    setKey('');
    setValue('');
  };

  return (
    <form
      className="metadata-filter"
      aria-label="Metadata filter"
      onSubmit={(e) => {
        e.preventDefault();
        add();
      }}
    >
      <input
        aria-label="Metadata filter key"
        placeholder="metadata key"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        data-testid="metadata-key"
      />
      <span aria-hidden="true">=</span>
      <input
        aria-label="Metadata filter value"
        placeholder="value"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        data-testid="metadata-value"
      />
      <button type="submit">Add metadata filter</button>
      {problem ? (
        <span className="field-error" role="alert">
          {problem}
        </span>
      ) : null}
    </form>
  );
}
