/* `weftd export`: a channel's record (--channel), or everything one person
 * wrote with their profile (--user, a data-subject request), as JSON lines
 * or Markdown on standard output. Current bodies only: never a deleted
 * message (its body is gone) nor one an export must not show (the store's
 * EXPORTABLE condition). Reads through a read-only connection in one read
 * transaction (weft_export_open), so it is safe, and consistent, while a
 * server runs on the directory. Main thread. */
#include "weft/cli.h"

#include "weft/proto.h"
#include "weft/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	bool md;
	int64_t root;                   /* md: the thread being written (0: none) */
	int count;
};

static int print_json(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!s)
		return WEFT_ENOMEM;
	puts(s);
	cJSON_free(s);
	return ferror(stdout) ? WEFT_EIO : WEFT_OK;
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
	char iso[WEFT_ISO_LEN];
	if (!ms) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	weft_iso8601(ms, iso);
	cJSON_AddStringToObject(o, key, iso);
}

/* A time for people: "2026-11-28 19:40 UTC". */
static const char *md_time(int64_t ms, char buf[WEFT_ISO_LEN])
{
	weft_iso8601(ms, buf);
	buf[10] = ' ';
	snprintf(buf + 16, WEFT_ISO_LEN - 16, " UTC");
	return buf;
}

/* Each line of body, prefixed (a reply is quoted under its root). */
static void md_body(const char *body, const char *prefix)
{
	const char *p = body;
	do {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("%s%.*s\n", prefix, n, p);
		p = nl ? nl + 1 : NULL;
	} while (p);
}

static int on_row(void *arg, const struct weft_export_row *m)
{
	struct out *o = arg;
	o->count++;
	if (!o->md) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "message");
		cJSON_AddNumberToObject(j, "id", (double)m->id);
		cJSON_AddStringToObject(j, "channel", m->channel_name);
		add_time(j, "ts", m->ts_ms);
		cJSON_AddItemToObject(j, "author", weft_proto_user(&m->author));
		cJSON_AddStringToObject(j, "body", m->body);
		if (m->thread)
			cJSON_AddNumberToObject(j, "thread", (double)m->thread);
		else
			cJSON_AddNullToObject(j, "thread");
		cJSON_AddNumberToObject(j, "reply_count", m->reply_count);
		add_time(j, "edited", m->edited_ms);
		return print_json(j);
	}
	char when[WEFT_ISO_LEN], edited[WEFT_ISO_LEN + 16] = "";
	if (m->edited_ms)
		snprintf(edited, sizeof edited, ", edited %s", md_time(m->edited_ms, when));
	const char *display = m->author.display[0] ? m->author.display : m->author.name;
	if (m->thread && m->thread != o->root) {
		/* A reply whose root is gone (deleted): its thread still shows. */
		printf("### (deleted message) · #%lld\n\n", (long long)m->thread);
		o->root = m->thread;
	}
	if (!m->thread) {
		o->root = m->id;
		printf("### %s (@%s) · %s%s · #%lld\n\n", display, m->author.name, md_time(m->ts_ms, when), edited,
		       (long long)m->id);
		md_body(m->body, "");
	} else {
		printf("> **%s** (@%s) · %s%s · #%lld, reply\n>\n", display, m->author.name, md_time(m->ts_ms, when),
		       edited, (long long)m->id);
		md_body(m->body, "> ");
	}
	printf("\n");
	return ferror(stdout) ? WEFT_EIO : WEFT_OK;
}

static int export_channel(struct weft_export *x, const char *name, struct out *o)
{
	struct weft_channel_info ch;
	int rc = weft_export_channel(x, name, &ch);
	if (rc) {
		fprintf(stderr, "weftd: %s%s\n", rc == WEFT_ENOTFOUND ? "no channel " : "", rc == WEFT_ENOTFOUND ? name : weft_strerror(rc));
		return rc;
	}
	char now[WEFT_ISO_LEN];
	weft_iso8601(weft_now_ms(), now);
	if (o->md) {
		printf("# #%s\n\n%s channel, %s. ", ch.name, weft_kind_name(ch.kind), weft_access_name(ch.access));
		if (ch.topic[0])
			printf("Topic: %s. ", ch.topic);
		printf("Exported %s (current text of every message not deleted; replies under their thread).\n\n",
		       now);
	} else {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "channel");
		cJSON_AddStringToObject(j, "name", ch.name);
		cJSON_AddStringToObject(j, "kind", weft_kind_name(ch.kind));
		cJSON_AddStringToObject(j, "access", weft_access_name(ch.access));
		cJSON_AddStringToObject(j, "topic", ch.topic);
		add_time(j, "created", ch.created_ms);
		cJSON_AddStringToObject(j, "exported", now);
		if ((rc = print_json(j)))
			return rc;
	}
	return weft_export_messages(x, ch.id, 0, o->md ? WEFT_EXPORT_BY_THREAD : WEFT_EXPORT_BY_ID, on_row, o);
}

static int on_member(void *arg, const char *channel, int kind, int role)
{
	struct out *o = arg;
	if (o->md) {
		printf("- #%s (%s, %s)\n", channel, weft_kind_name(kind), weft_role_name(role));
		return WEFT_OK;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "membership");
	cJSON_AddStringToObject(j, "channel", channel);
	cJSON_AddStringToObject(j, "kind", weft_kind_name(kind));
	cJSON_AddStringToObject(j, "role", weft_role_name(role));
	return print_json(j);
}

/* A person's channel name before each message (md, where a user's
 * messages run across channels). */
static int on_user_row(void *arg, const struct weft_export_row *m)
{
	struct out *o = arg;
	if (o->md) {
		char when[WEFT_ISO_LEN];
		o->count++;
		printf("### #%s · %s · #%lld%s\n\n", m->channel_name, md_time(m->ts_ms, when), (long long)m->id,
		       m->thread ? ", reply" : "");
		md_body(m->body, "");
		printf("\n");
		return ferror(stdout) ? WEFT_EIO : WEFT_OK;
	}
	return on_row(arg, m);
}

static int export_user(struct weft_export *x, const char *name, struct out *o)
{
	struct weft_profile p;
	int64_t created;
	int rc = weft_export_user(x, name, &p, &created);
	if (rc) {
		fprintf(stderr, "weftd: %s%s\n", rc == WEFT_ENOTFOUND ? "no user " : "", rc == WEFT_ENOTFOUND ? name : weft_strerror(rc));
		return rc;
	}
	char now[WEFT_ISO_LEN], when[WEFT_ISO_LEN];
	weft_iso8601(weft_now_ms(), now);
	if (o->md) {
		printf("# %s (@%s)\n\nExported %s: the profile, channels and every message this person wrote "
		       "that is not deleted.\n\n", p.user.display[0] ? p.user.display : p.user.name, p.user.name, now);
		printf("- Display name: %s\n- E-mail: %s\n- Jurisdiction: %s\n- Region: %s\n- Title: %s\n"
		       "- Account created: %s\n- Administrator: %s\n- Active: %s\n\n## Channels\n\n",
		       p.user.display, p.email, p.jurisdiction, p.region, p.title, md_time(created, when),
		       p.admin ? "yes" : "no", p.active ? "yes" : "no");
	} else {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "user");
		cJSON_AddNumberToObject(j, "id", (double)p.user.id);
		cJSON_AddStringToObject(j, "name", p.user.name);
		cJSON_AddStringToObject(j, "display", p.user.display);
		cJSON_AddStringToObject(j, "email", p.email);
		cJSON_AddStringToObject(j, "jurisdiction", p.jurisdiction);
		cJSON_AddStringToObject(j, "region", p.region);
		cJSON_AddStringToObject(j, "title", p.title);
		cJSON_AddBoolToObject(j, "admin", p.admin);
		cJSON_AddBoolToObject(j, "active", p.active);
		add_time(j, "created", created);
		cJSON_AddStringToObject(j, "exported", now);
		if ((rc = print_json(j)))
			return rc;
	}
	if ((rc = weft_export_memberships(x, p.user.id, on_member, o)))
		return rc;
	if (o->md)
		printf("\n## Messages\n\n");
	return weft_export_messages(x, 0, p.user.id, WEFT_EXPORT_BY_ID, on_user_row, o);
}

int weft_cli_export(struct weft_config *cfg, const char *channel, const char *user, const char *format)
{
	if (!channel == !user) {
		fprintf(stderr, "weftd: export takes one of --channel NAME and --user NAME (see weftd --help)\n");
		return 2;
	}
	if (format && strcmp(format, "json") && strcmp(format, "md")) {
		fprintf(stderr, "weftd: --format must be json or md (see weftd --help)\n");
		return 2;
	}
	struct out o = { .md = format && !strcmp(format, "md") };
	char db[4096], err[512];
	snprintf(db, sizeof db, "%s/weft.db", cfg->data);
	struct weft_export *x;
	if (weft_export_open(db, &x, err, sizeof err)) {
		fprintf(stderr, "weftd: %s\n", err);
		return 1;
	}
	int rc = channel ? export_channel(x, channel, &o) : export_user(x, user, &o);
	weft_export_close(x);
	if (fflush(stdout) || ferror(stdout))
		rc = WEFT_EIO;
	if (rc && rc != WEFT_ENOTFOUND)
		fprintf(stderr, "weftd: the export failed: %s\n", weft_strerror(rc));
	else if (!rc)
		fprintf(stderr, "weftd: exported %d messages\n", o.count);
	return rc ? 1 : 0;
}
