import { isFailing } from '../groups/verdicts.js';
import type { HealthView, ViewContext } from './health-view.interface.js';
import { emptyResponse, type ViewResponse } from './view-response.js';

/**
 * Zeebe's probes: 204 with no body, or 503. `ready` never turns back once reached (it gates
 * rolling updates); `health` follows the whole system and is never healthy before ready.
 */
export const ZEEBE_VIEW: HealthView = {
  name: 'zeebe',
  defaultPrefix: '',
  routes: [
    { path: 'startup', render: ({ snapshot, config }) => answer(!isFailing(config, snapshot.groups.startup)) },
    { path: 'ready', render: ({ snapshot }) => answer(snapshot.readyReached) },
    { path: 'health', render: zeebeHealth },
  ],
};

function zeebeHealth({ snapshot, config }: ViewContext): ViewResponse {
  return answer(snapshot.readyReached && snapshot.started && !isFailing(config, snapshot));
}

function answer(ok: boolean): ViewResponse {
  return emptyResponse(ok ? 204 : 503);
}
