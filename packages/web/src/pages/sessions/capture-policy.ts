import type { Project } from '../../api/types.js';

/**
 * The capture policy of the project in view, to explain a call without content. The admin sees every project and
 * picks one (none picked: `default`); a project key sees only its own.
 */
export function capturePolicyOf(projects: readonly Project[] | undefined, selected: string | null): string | null {
  if (!projects) return null;
  const project =
    projects.find((p) => p.id === (selected ?? 'default')) ?? (projects.length === 1 ? projects[0] : null);
  return typeof project?.capture_policy === 'string' ? project.capture_policy : null;
}
