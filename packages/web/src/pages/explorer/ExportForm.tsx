import { useState } from 'react';
import { download } from '../../api/client.js';
import { ErrorBox } from '../../components/States.js';
import { EXPORT_FORMATS, exportFileName, type AbsoluteRange, type ExportFormat } from './range.js';

/**
 * Downloads the calls of the current range and filters as a file, through the export API with the user's key, so
 * the file holds exactly the calls the table lists.
 */
export function ExportForm({
  range,
  filters,
  project,
}: {
  range: AbsoluteRange;
  filters: Record<string, string>;
  project: string | null;
}) {
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [state, setState] = useState<{ busy: boolean; error: unknown; done: string | null }>({
    busy: false,
    error: null,
    done: null,
  });

  const run = async () => {
    const filename = exportFileName(range, format);
    setState({ busy: true, error: null, done: null });
    try {
      await download('/api/v1/export', { ...filters, from: range.from, to: range.to, format }, project, filename);
      setState({ busy: false, error: null, done: filename });
    } catch (e) {
      setState({ busy: false, error: e, done: null });
    }
  };

  return (
    <form
      className="explorer-export"
      aria-label="Export"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <label>
        Format{' '}
        <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="export-format">
          {EXPORT_FORMATS.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={state.busy}>
        {state.busy ? 'Exporting…' : 'Export'}
      </button>
      <span className="muted" role="status" aria-live="polite">
        {state.done ? `Saved ${state.done}` : ''}
      </span>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void run()} /> : null}
    </form>
  );
}
