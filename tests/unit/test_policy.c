/* Unit tests for policy.c: every (role, kind, access, archived, action)
 * combination against a rule table written out by hand.
 *
 * The table is the specification, stated independently of policy.c. For
 * each action there is one row per role; a row has four groups of three
 * cells:
 *
 *     group kinds live | group kinds archived | dm live | dm archived
 *      open req invite |  open req invite     |  o r i  |  o r i
 *
 * where the "group kinds" are caucus, cohort and team (they share the rules:
 * only the access tier and DMs are special). 'Y' allows, '.' refuses.
 *
 * Rules (from DESIGN.md, PROTOCOL.md and the comments of policy.c):
 *  READ      members always; outsiders only open, non-DM channels (archived
 *            channels stay readable).
 *  LIST      members always; outsiders see open and request channels, never
 *            invite-only ones and never a DM (policy.c: "Invite-only
 *            channels (teams, DMs) are invisible to outsiders").
 *  POST      members of a live channel (DMs included).
 *  EDIT_OWN  as POST.
 *  JOIN      outsiders, open live non-DM channels only.
 *  REQUEST   outsiders, request live non-DM channels only.
 *  EDIT_ANY  moderators and owners, live non-DM channels.
 *  MODERATE  moderators and owners of non-DM channels, archived too (they
 *            may unarchive).
 *  SET_ROLE  owners of live non-DM channels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "weft/policy.h"

struct rule {
	int action;
	const char *name;
	const char *rows[WEFT_ROLE_COUNT]; /* none, member, moderator, owner */
};

static const struct rule rules[] = {
	/*                        group live  group arch  dm live  dm arch */
	{ WEFT_ACT_READ, "read", {
		/* none      */ "Y..  Y..  ...  ...",
		/* member    */ "YYY  YYY  YYY  YYY",
		/* moderator */ "YYY  YYY  YYY  YYY",
		/* owner     */ "YYY  YYY  YYY  YYY" } },
	{ WEFT_ACT_LIST, "list", {
		/* none      */ "YY.  YY.  ...  ...",
		/* member    */ "YYY  YYY  YYY  YYY",
		/* moderator */ "YYY  YYY  YYY  YYY",
		/* owner     */ "YYY  YYY  YYY  YYY" } },
	{ WEFT_ACT_POST, "post", {
		/* none      */ "...  ...  ...  ...",
		/* member    */ "YYY  ...  YYY  ...",
		/* moderator */ "YYY  ...  YYY  ...",
		/* owner     */ "YYY  ...  YYY  ..." } },
	{ WEFT_ACT_EDIT_OWN, "edit_own", {
		/* none      */ "...  ...  ...  ...",
		/* member    */ "YYY  ...  YYY  ...",
		/* moderator */ "YYY  ...  YYY  ...",
		/* owner     */ "YYY  ...  YYY  ..." } },
	{ WEFT_ACT_JOIN, "join", {
		/* none      */ "Y..  ...  ...  ...",
		/* member    */ "...  ...  ...  ...",
		/* moderator */ "...  ...  ...  ...",
		/* owner     */ "...  ...  ...  ..." } },
	{ WEFT_ACT_REQUEST, "request", {
		/* none      */ ".Y.  ...  ...  ...",
		/* member    */ "...  ...  ...  ...",
		/* moderator */ "...  ...  ...  ...",
		/* owner     */ "...  ...  ...  ..." } },
	{ WEFT_ACT_EDIT_ANY, "edit_any", {
		/* none      */ "...  ...  ...  ...",
		/* member    */ "...  ...  ...  ...",
		/* moderator */ "YYY  ...  ...  ...",
		/* owner     */ "YYY  ...  ...  ..." } },
	{ WEFT_ACT_MODERATE, "moderate", {
		/* none      */ "...  ...  ...  ...",
		/* member    */ "...  ...  ...  ...",
		/* moderator */ "YYY  YYY  ...  ...",
		/* owner     */ "YYY  YYY  ...  ..." } },
	{ WEFT_ACT_SET_ROLE, "set_role", {
		/* none      */ "...  ...  ...  ...",
		/* member    */ "...  ...  ...  ...",
		/* moderator */ "...  ...  ...  ...",
		/* owner     */ "YYY  ...  ...  ..." } },
};

#define NRULES ((int)(sizeof rules / sizeof rules[0]))

static const char *const role_names[] = { "none", "member", "moderator", "owner" };
static const char *const kind_names[] = { "caucus", "cohort", "team", "dm" };
static const char *const access_names[] = { "open", "request", "invite" };

/* The cell of the table for one combination. */
static bool expected(const struct rule *r, int role, int kind, int access, bool archived)
{
	int group = (kind == WEFT_KIND_DM ? 2 : 0) + (archived ? 1 : 0);
	const char *row = r->rows[role];
	/* Cells are at 5-character strides: "abc  " per group. */
	char cell = row[group * 5 + access];
	assert_true(cell == 'Y' || cell == '.');
	return cell == 'Y';
}

/* The table itself is well-formed and covers every action exactly once. */
static void test_table_complete(void **state)
{
	(void)state;
	bool seen[WEFT_ACT_COUNT] = { false };
	for (int i = 0; i < NRULES; i++) {
		assert_true(rules[i].action >= 0 && rules[i].action < WEFT_ACT_COUNT);
		assert_false(seen[rules[i].action]);
		seen[rules[i].action] = true;
		for (int r = 0; r < WEFT_ROLE_COUNT; r++)
			assert_int_equal(strlen(rules[i].rows[r]), 18);
	}
	for (int a = 0; a < WEFT_ACT_COUNT; a++)
		assert_true(seen[a]);
}

/* Every combination: 4 roles x 4 kinds x 3 tiers x 2 archived x 9 actions.
 * All mismatches are listed before the test fails. */
static void test_every_combination(void **state)
{
	(void)state;
	int checked = 0, wrong = 0;
	for (int i = 0; i < NRULES; i++) {
		const struct rule *r = &rules[i];
		for (int role = 0; role < WEFT_ROLE_COUNT; role++)
			for (int kind = 0; kind < WEFT_KIND_COUNT; kind++)
				for (int access = 0; access < WEFT_ACCESS_COUNT; access++)
					for (int arch = 0; arch < 2; arch++) {
						bool want = expected(r, role, kind, access, arch);
						bool got = weft_policy_allows(role, kind, access, arch, r->action);
						checked++;
						if (want != got) {
							wrong++;
							print_error("policy: %-8s role=%-9s kind=%-6s access=%-7s archived=%d:"
								    " expected %s, got %s\n", r->name, role_names[role],
								    kind_names[kind], access_names[access], arch,
								    want ? "allow" : "deny", got ? "allow" : "deny");
						}
					}
	}
	assert_int_equal(checked, 4 * 4 * 3 * 2 * WEFT_ACT_COUNT);
	if (wrong)
		fail_msg("%d of %d policy decisions differ from the rule table", wrong, checked);
}

/* Invariants that hold whatever the table says, as a second opinion. */
static void test_invariants(void **state)
{
	(void)state;
	for (int kind = 0; kind < WEFT_KIND_COUNT; kind++)
		for (int access = 0; access < WEFT_ACCESS_COUNT; access++)
			for (int arch = 0; arch < 2; arch++) {
				/* An outsider never posts, edits, moderates or sets roles. */
				int member_only[] = { WEFT_ACT_POST, WEFT_ACT_EDIT_OWN, WEFT_ACT_EDIT_ANY,
						      WEFT_ACT_MODERATE, WEFT_ACT_SET_ROLE };
				for (size_t k = 0; k < sizeof member_only / sizeof *member_only; k++)
					assert_false(weft_policy_allows(WEFT_ROLE_NONE, kind, access, arch,
									member_only[k]));
				/* Nobody in an archived channel posts. */
				if (arch)
					for (int role = 0; role < WEFT_ROLE_COUNT; role++)
						assert_false(weft_policy_allows(role, kind, access, true,
										WEFT_ACT_POST));
				/* A higher role can do everything a lower member role can,
				 * except join and request, which are for outsiders. */
				for (int act = 0; act < WEFT_ACT_COUNT; act++) {
					if (act == WEFT_ACT_JOIN || act == WEFT_ACT_REQUEST)
						continue;
					for (int role = WEFT_ROLE_MEMBER; role + 1 < WEFT_ROLE_COUNT; role++)
						if (weft_policy_allows(role, kind, access, arch, act))
							assert_true(weft_policy_allows(role + 1, kind, access, arch, act));
				}
				/* Members never join or request again. */
				for (int role = WEFT_ROLE_MEMBER; role < WEFT_ROLE_COUNT; role++) {
					assert_false(weft_policy_allows(role, kind, access, arch, WEFT_ACT_JOIN));
					assert_false(weft_policy_allows(role, kind, access, arch, WEFT_ACT_REQUEST));
				}
				/* What an outsider may read, it may also see listed. */
				if (weft_policy_allows(WEFT_ROLE_NONE, kind, access, arch, WEFT_ACT_READ))
					assert_true(weft_policy_allows(WEFT_ROLE_NONE, kind, access, arch,
								       WEFT_ACT_LIST));
			}
	/* Invite-only channels: outsiders neither read nor see them. */
	for (int kind = 0; kind < WEFT_KIND_COUNT; kind++) {
		assert_false(weft_policy_allows(WEFT_ROLE_NONE, kind, WEFT_ACCESS_INVITE, false, WEFT_ACT_READ));
		assert_false(weft_policy_allows(WEFT_ROLE_NONE, kind, WEFT_ACCESS_INVITE, false, WEFT_ACT_LIST));
	}
}

/* An action outside the enum is refused. */
static void test_unknown_action(void **state)
{
	(void)state;
	for (int role = 0; role < WEFT_ROLE_COUNT; role++) {
		assert_false(weft_policy_allows(role, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN, false, WEFT_ACT_COUNT));
		assert_false(weft_policy_allows(role, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN, false, -1));
		assert_false(weft_policy_allows(role, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN, false, 1000));
	}
}

/* The words of a refusal name what is missing, as the client shows them. */
static void test_denial_words(void **state)
{
	(void)state;
	assert_string_equal(weft_policy_denial(WEFT_ROLE_NONE, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN, false,
					       WEFT_ACT_POST),
			    "join the channel to post");
	assert_string_equal(weft_policy_denial(WEFT_ROLE_MEMBER, WEFT_KIND_COHORT, WEFT_ACCESS_OPEN, true,
					       WEFT_ACT_POST),
			    "this channel is archived");
	assert_string_equal(weft_policy_denial(WEFT_ROLE_NONE, WEFT_KIND_TEAM, WEFT_ACCESS_INVITE, false,
					       WEFT_ACT_READ),
			    "members only");
	assert_string_equal(weft_policy_denial(WEFT_ROLE_MEMBER, WEFT_KIND_CAUCUS, WEFT_ACCESS_REQUEST, false,
					       WEFT_ACT_MODERATE),
			    "moderators only");
	assert_string_equal(weft_policy_denial(WEFT_ROLE_OWNER, WEFT_KIND_DM, WEFT_ACCESS_INVITE, false,
					       WEFT_ACT_MODERATE),
			    "direct messages have no moderators");
	assert_string_equal(weft_policy_denial(WEFT_ROLE_MODERATOR, WEFT_KIND_TEAM, WEFT_ACCESS_INVITE, false,
					       WEFT_ACT_SET_ROLE),
			    "owners only");
	/* Every action has words of its own or the general ones, never NULL. */
	for (int a = 0; a < WEFT_ACT_COUNT + 1; a++)
		assert_non_null(weft_policy_denial(WEFT_ROLE_NONE, WEFT_KIND_TEAM, WEFT_ACCESS_OPEN, false, a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test(test_unknown_action),
		cmocka_unit_test(test_denial_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
