"""core.routing.statements: a statement is a read only when it is known to be one."""

from __future__ import annotations

import psycopg2.sql
import pytest
from django.test import override_settings

from core.routing.statements import only_reads


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "timetrack_timecard"."id" FROM "timetrack_timecard"',
        "  select 1",
        "select 1;",
        '(SELECT "a" FROM "t" LIMIT 1) UNION (SELECT "b" FROM "u" LIMIT 1)',
        "WITH recent AS (SELECT * FROM t) SELECT count(*) FROM recent",
        "SHOW data_directory",
        "SET LOCAL statement_timeout = 1000",
        "BEGIN READ ONLY",
        "SAVEPOINT s1",
        "RELEASE SAVEPOINT s1",
        "ROLLBACK",
        'DECLARE "_django_curs" NO SCROLL CURSOR WITH HOLD FOR SELECT 1',
        "EXPLAIN SELECT 1",
        "select pg_current_wal_lsn()",
        # Django's own SQL: aggregates, casts, date functions, subqueries, windows.
        'SELECT COALESCE(SUM("t"."hours"), 0)::numeric(12, 2) AS "total" FROM "t"',
        'SELECT CAST("t"."hours" AS numeric(12, 2)) FROM "t" WHERE "t"."id" IN (SELECT 1)',
        'SELECT DATE_TRUNC(\'week\', "t"."date") AS "week", COUNT(*) FROM "t" GROUP BY 1',
        'SELECT EXTRACT(YEAR FROM "t"."date"), ROW_NUMBER() OVER (PARTITION BY "a" ORDER BY "b")',
        'SELECT EXISTS(SELECT 1 AS "a" FROM "t" WHERE "t"."id" = %s LIMIT 1) AS "x"',
        'SELECT django_date_trunc(\'month\', "t"."date", NULL, NULL) FROM "t"',
        'SELECT "t"."id" FROM "t" WHERE "t"."name" LIKE %s ESCAPE \'\\\'',
        # Words that only look like writes: in strings, quoted names and comments.
        "SELECT 'insert into t values (1); delete from t' AS \"update\"",
        'SELECT "t"."delete", "t"."into" FROM "t" -- update t set a = 1',
        "SELECT /* delete */ 1",
        "SELECT $body$ insert; update $body$",
        "SELECT pg_catalog.count(*) FROM t",
        "SELECT $$ insert; update $$",
        "SELECT count(*) FILTER (WHERE a > 1) OVER (PARTITION BY (b) ORDER BY (c)) FROM t",
        "SELECT a FROM t GROUP BY GROUPING SETS ((a), ())",
    ],
)
def test_reads(sql):
    assert only_reads(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'INSERT INTO "audit" ("what") VALUES (%s)',
        'UPDATE "django_session" SET "expire_date" = %s',
        "delete from timetrack_timecard",
        "  insert into t values (1)",
        "WITH moved AS (DELETE FROM t RETURNING *) INSERT INTO u SELECT * FROM moved",
        "WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x",
        "(WITH x AS (INSERT INTO t VALUES (1) RETURNING a) SELECT * FROM x)",
        "((WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone))",
        "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
        "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE",
        # Several statements: whatever the first one is.
        "select 1; insert into t values (1)",
        "SELECT 1 ; DELETE FROM t ;",
        "select 1;select 2",
        # A table made from a query.
        "SELECT * INTO new_table FROM t",
        "select a, b into temporary copy_of_t from t",
        # Locking reads: a write's lock, on the primary.
        'SELECT "t"."id" FROM "t" WHERE "t"."id" = %s FOR UPDATE',
        "SELECT * FROM t FOR NO KEY UPDATE",
        "SELECT * FROM t FOR SHARE SKIP LOCKED",
        "SELECT * FROM t FOR KEY SHARE",
        # Functions that change something, or that nobody declared harmless.
        "SELECT nextval('timetrack_client_id_seq')",
        "select set_config('app.user', '1', false)",
        "SELECT pg_notify('channel', 'hello')",
        "SELECT archive_old_timecards()",
        'SELECT "public"."archive_old_timecards"(1)',
        'SELECT "archive"()',
        "SELECT count(*) FROM t WHERE touch_row(t.id)",
        "SELECT * FROM make_rows(3)",
        # Words that may name a function, called as one.
        "SELECT partition(1)",
        "SELECT range(), rows(), current(), filter(), over(), by(), sets()",
        "SELECT é()",
        "SELECT fé(1)",
        # A comment PostgreSQL ends at a carriage return, hiding nothing.
        "SELECT 1 --\r; DELETE FROM t",
        # SQLite: a pragma set is a write to the file.
        "PRAGMA user_version = 5",
        "PRAGMA journal_mode(WAL)",
        # Found by an outside attack: text the server reads differently, or writes
        # without a writing keyword.
        "SELECT 1 /* /* */ ' */ ; DELETE FROM t --'",
        "SELECT /* /* */ ' */ * FROM t FOR UPDATE --'",
        "WITH [c'] AS (SELECT 1 AS v) INSERT INTO t(v) SELECT v FROM [c']",
        "SELECT `c'` FROM t; DELETE FROM t --'",
        "EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1",
        "EXPLAIN ANALYZE EXECUTE p",
        "EXPLAIN ANALYZE SELECT 1",
        "COMMIT PREPARED 'g'",
        "ROLLBACK PREPARED 'g'",
        "SET CONSTRAINTS ALL IMMEDIATE",
        "SELECT 1 -- %s",
        "PRAGMA optimize",
        "PRAGMA wal_checkpoint",
        "PRAGMA foreign_key_check",
        # Not a query at all.
        "CREATE TABLE t (a int)",
        "TRUNCATE t",
        "COPY t FROM STDIN",
        "CALL do_something()",
        "DO $$ BEGIN INSERT INTO t VALUES (1); END $$",
        "LOCK TABLE t",
        "NOTIFY channel",
        "",
        "   ",
        "-- only a comment",
        # Quotes left open: the server's reading would differ from ours.
        "SELECT 'unterminated",
        'SELECT "unterminated',
        "SELECT $tag$ unterminated",
    ],
)
def test_everything_else_is_a_write(sql):
    assert not only_reads(sql)


def test_a_composed_statement_is_not_known_to_be_a_read():
    assert not only_reads(psycopg2.sql.SQL("SELECT 1"))


def test_a_site_may_declare_its_own_functions_read_only():
    sql = "SELECT hours_this_week(%s)"
    assert not only_reads(sql)

    with override_settings(READ_ONLY_FUNCTIONS=["Hours_This_Week"]):
        assert only_reads(sql)

    assert not only_reads(sql)
