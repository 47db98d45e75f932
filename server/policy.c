/* The eligibility rules of the three tiers, in one place. */
#include "weft/policy.h"

bool weft_policy_allows(int role, int kind, int access, bool archived, int action)
{
	bool member = role >= WEFT_ROLE_MEMBER;
	bool moderator = role >= WEFT_ROLE_MODERATOR;
	bool dm = kind == WEFT_KIND_DM;
	switch (action) {
	case WEFT_ACT_READ:
		/* Open channels are readable by every signed-in member. */
		return member || (access == WEFT_ACCESS_OPEN && !dm);
	case WEFT_ACT_LIST:
		/* Invite-only channels (teams, DMs) are invisible to outsiders. */
		return member || (access != WEFT_ACCESS_INVITE && !dm);
	case WEFT_ACT_POST:
	case WEFT_ACT_EDIT_OWN:
		return member && !archived;
	case WEFT_ACT_JOIN:
		return !member && access == WEFT_ACCESS_OPEN && !dm && !archived;
	case WEFT_ACT_REQUEST:
		return !member && access == WEFT_ACCESS_REQUEST && !dm && !archived;
	case WEFT_ACT_EDIT_ANY:
		return moderator && !dm && !archived;
	case WEFT_ACT_MODERATE:
		/* An archived channel can still be unarchived by its moderators. */
		return moderator && !dm;
	case WEFT_ACT_SET_ROLE:
		return role == WEFT_ROLE_OWNER && !dm && !archived;
	}
	return false;
}

const char *weft_policy_denial(int role, int kind, int access, bool archived, int action)
{
	switch (action) {
	case WEFT_ACT_READ:
		return "members only";
	case WEFT_ACT_POST:
		return archived ? "this channel is archived" : "join the channel to post";
	case WEFT_ACT_MODERATE:
		return kind == WEFT_KIND_DM ? "direct messages have no moderators" : "moderators only";
	case WEFT_ACT_SET_ROLE:
		return "owners only";
	}
	return "not allowed";
}

bool weft_policy_may_mute(int actor, int target)
{
	if (actor < WEFT_ROLE_MODERATOR || target == WEFT_ROLE_NONE || target == WEFT_ROLE_OWNER)
		return false;
	return target < WEFT_ROLE_MODERATOR || actor == WEFT_ROLE_OWNER;
}
