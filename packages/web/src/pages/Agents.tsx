import { FilterBar } from '../components/FilterBar.js';
import { useView } from '../state/view.js';
import { AgentDetail } from './agents/AgentDetail.js';
import { AgentList, useAgentVersions } from './agents/AgentList.js';
import type { AgentVersion } from './agents/seed-000.js';
import './Agents.css';

/**
 * Agents by name and version with their usage in the dashboard's range; the selected version (`agent` and
 * `version` in the URL, so a link opens it) gets seed 000's views: sessions, messages, users, activity and tokens
 * per day, and its newest messages.
 */
export default function Agents() {
  const view = useView();
  const name = view.search.get('agent');
  const version = view.search.get('version');
  const selected: AgentVersion | null = name && version ? { name, version } : null;
  const pairs = useAgentVersions();

  return (
    <div data-page="agents" data-ready={pairs.data ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Agents</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      <section className="panel" aria-labelledby="agents-list">
        <h2 id="agents-list">Agent versions</h2>
        <p className="muted agents-note">Select a version to see its sessions, messages and tokens.</p>
        <AgentList
          pairs={pairs}
          selected={selected}
          onSelect={(a) => view.set({ agent: a.name, version: a.version, tab: null })}
        />
      </section>
      {selected ? (
        <AgentDetail
          key={`${selected.name}\n${selected.version}`}
          agent={selected}
          onClose={() => view.set({ agent: null, version: null, tab: null })}
        />
      ) : null}
    </div>
  );
}
