/* Names of enumerations and validation of identifiers. */
#include "weft/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = { "caucus", "cohort", "team", "dm" };
static const char *const accesses[] = { "open", "request", "invite" };
static const char *const roles[] = { "none", "member", "moderator", "owner" };
static const char *const event_kinds[] = { "message", "edit", "delete", "join", "leave", "channel", "role",
						   "reaction", "pin", "standup.config", "standup", "standup.answer",
						   "item", "session", "mute" };

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *weft_kind_name(int k) { return k >= 0 && k < WEFT_KIND_COUNT ? kinds[k] : "?"; }
int weft_kind_parse(const char *s) { return lookup(kinds, WEFT_KIND_COUNT, s); }
const char *weft_access_name(int a) { return a >= 0 && a < WEFT_ACCESS_COUNT ? accesses[a] : "?"; }
int weft_access_parse(const char *s) { return lookup(accesses, WEFT_ACCESS_COUNT, s); }
const char *weft_role_name(int r) { return r >= 0 && r < WEFT_ROLE_COUNT ? roles[r] : "?"; }

int weft_role_parse(const char *s)
{
	int r = lookup(roles, WEFT_ROLE_COUNT, s);
	return r == WEFT_ROLE_NONE ? -1 : r;
}

const char *weft_event_kind_name(int k)
{
	return k >= 0 && k < (int)(sizeof event_kinds / sizeof *event_kinds) ? event_kinds[k] : "?";
}

int weft_kind_default_access(int kind)
{
	switch (kind) {
	case WEFT_KIND_CAUCUS: return WEFT_ACCESS_REQUEST;
	case WEFT_KIND_COHORT: return WEFT_ACCESS_OPEN;
	default: return WEFT_ACCESS_INVITE;
	}
}

void weft_message_clear(struct weft_message *m)
{
	free(m->body);
	free(m->reactions);
	free(m->mentions);
	free(m->files);
	m->body = m->reactions = m->mentions = m->files = NULL;
}

void weft_event_clear(struct weft_event *ev)
{
	weft_message_clear(&ev->msg);
	free(ev->data);
	ev->data = NULL;
}

bool weft_username_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > WEFT_USERNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

bool weft_channel_name_valid(const char *s, int max_chars)
{
	size_t n = strlen(s);
	if (n < 1 || n > (size_t)max_chars)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}
