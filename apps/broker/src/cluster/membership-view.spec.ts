import { describe, expect, it } from '@jest/globals';
import { MembershipView } from './membership-view.js';

describe('MembershipView', () => {
  it('takes on only ids a broker may have: anything else in Redis was not written by a member', () => {
    const view = new MembershipView('n1', 1000);
    for (const id of ['n2', 'a/b/+', 'fleet', 'x"\ny', '#', '']) view.heard(id);
    expect(view.peers().map((peer) => peer.id)).toEqual(['n2']);
  });
});
