// The planners' API (/api/v1/plans), one function per call. Writes go through sendJSON, which adds the
// session's CSRF token; a failed write throws an Error carrying `status` and the server's JSON `body`.

import { getJSON, postJSON, sendJSON } from '../shared/api.js';

const plan = (id) => `/plans/${encodeURIComponent(id)}`;

export const plansApi = {
  list: (community) => getJSON(`/plans?community=${encodeURIComponent(community)}`),
  get: (id) => getJSON(plan(id)),
  create: (community, name) => postJSON('/plans', { community, name }),
  /** A new draft holding the server's proposal under `propose` (target_households, grids, lock, ...). */
  propose: (community, name, propose) => postJSON('/plans', { community, name, propose }),
  rename: (id, name) => sendJSON('PATCH', plan(id), { name }),
  remove: (id) => sendJSON('DELETE', plan(id)),
  edit: (id, edit) => postJSON(`${plan(id)}/edits`, edit),
  undo: (id) => postJSON(`${plan(id)}/undo`),
  redo: (id) => postJSON(`${plan(id)}/redo`),
  diff: (id, renumber = false) => getJSON(`${plan(id)}/diff${renumber ? '?renumber=true' : ''}`),
  publish: (id, acknowledge, renumber = false) => postJSON(`${plan(id)}/publish`, { acknowledge, renumber }),
  versions: (community) => getJSON(`/plans/versions?community=${encodeURIComponent(community)}`),
  /** `a`, `b`: `published`, `v:N` or `draft:ID`. */
  compare: (community, a, b) => getJSON(`/plans/compare?community=${encodeURIComponent(community)}&a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`),
};
