/** Request and response examples of the project and key routes, shown in the OpenAPI document. */

export const createProject = {
  id: 'support',
  name: 'Support Bot',
  capture_policy: 'redacted',
  retention_days: 90,
};

export const project = {
  id: 'support',
  name: 'Support Bot',
  description: null,
  capture_policy: 'redacted',
  created_at: 1764000000000,
  retention_days: 90,
  max_events: null,
};

export const projects = {
  projects: [
    {
      id: 'default',
      name: 'Default',
      description: 'Created at first start',
      capture_policy: 'full',
      created_at: 1763990000000,
      retention_days: null,
      max_events: null,
    },
    project,
  ],
};

export const createKey = { scope: 'ingest', name: 'production backend' };

const ingestKey = {
  id: 'key_a496526c1d2340af',
  project_id: 'support',
  name: 'production backend',
  scope: 'ingest',
  prefix: 'tly_QB9Wdz…',
  created_at: 1764000060000,
  revoked_at: null,
};

/** The only answer that carries the key itself. */
export const keyCreated = { ...ingestKey, key: 'tly_QB9WdzVA_jxSU-n2Fxv-d3eKahFPiLLB' };

export const keys = {
  keys: [
    ingestKey,
    {
      id: 'key_5c0e9b7d21f84a36',
      project_id: 'support',
      name: 'dashboard',
      scope: 'read',
      prefix: 'tly_r8Kp2m…',
      created_at: 1764000120000,
      revoked_at: 1764604800000,
    },
  ],
};
