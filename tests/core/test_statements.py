"""core.statements: which statements the router counts as reads."""

from __future__ import annotations

import pytest

from core.statements import only_reads


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "timetrack_timecard"."id" FROM "timetrack_timecard"',
        "  select 1",
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
        "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
        "CREATE TABLE t (a int)",
        "TRUNCATE t",
        "COPY t FROM STDIN",
        "CALL do_something()",
        "",
    ],
)
def test_everything_else_is_a_write(sql):
    assert not only_reads(sql)
