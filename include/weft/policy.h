/* Who may do what: pure functions of (role, tier, action). Any thread. */
#ifndef WEFT_POLICY_H
#define WEFT_POLICY_H

#include "weft/model.h"

enum weft_action {
	WEFT_ACT_READ,          /* history, members, events */
	WEFT_ACT_POST,          /* send */
	WEFT_ACT_JOIN,          /* channel.join acting alone */
	WEFT_ACT_REQUEST,       /* file a join request */
	WEFT_ACT_EDIT_OWN,
	WEFT_ACT_EDIT_ANY,      /* edit or delete another's message */
	WEFT_ACT_MODERATE,      /* decide requests, invite, remove, edit channel */
	WEFT_ACT_SET_ROLE,
	WEFT_ACT_LIST,          /* see the channel in channel.list */
	WEFT_ACT_COUNT
};

/* May a user holding role (WEFT_ROLE_NONE for non-members) in a channel of
 * this kind and access tier perform action? archived channels are read-only. */
bool weft_policy_allows(int role, int kind, int access, bool archived, int action);

/* Why weft_policy_allows refuses action with these arguments, in words for
 * the error message of a refused request (static). */
const char *weft_policy_denial(int role, int kind, int access, bool archived, int action);

/* May a moderator of role actor mute (or report-mute) a member of role
 * target? Moderators mute members; owners also mute moderators; nobody
 * mutes an owner (issue 15). */
bool weft_policy_may_mute(int actor, int target);

#endif
