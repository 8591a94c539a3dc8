"""Which SQL statements only read: every other one counts as a write.

A write is known by the statement run on the primary, not by the router being asked
where one would go: Django asks ``db_for_write`` for things that write nothing (an
unsaved instance given a related object), and a write through ``connection.cursor()``
or ``raw()`` never asks at all. The routing looks at each statement the primary runs
and marks the request or scope as having written when it is not a read: its later
reads go to the primary, a failed standby is not retried on the primary (that would run
the write twice), and the browser gets its read-your-writes position.

So the rule fails safe: a statement is a read only when it is *known* to be one. Taking
a read for a write costs a page read from the primary; taking a write for a read runs it
twice. A statement is a read when all of these hold:

- it is **one statement**: ``select 1; insert ...`` is two, and counts as a write;
- it **starts with a reading keyword** (``SELECT``, ``WITH``, ``VALUES``, ``TABLE``,
  ``SHOW``, ``EXPLAIN``, or a transaction or session command such as ``BEGIN``,
  ``SAVEPOINT``, ``SET``), after any opening parentheses;
- it holds **no writing keyword** anywhere outside its strings, quoted names and
  comments: ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE`` (a data-modifying ``WITH``),
  ``INTO`` (``SELECT ... INTO new_table``), ``CREATE``, ``EXECUTE``, ``PREPARED``
  (``COMMIT PREPARED``), ``CONSTRAINTS`` (``SET CONSTRAINTS ... IMMEDIATE`` fires
  deferred triggers), ``ANALYZE`` (``EXPLAIN ANALYZE`` runs what it explains), and no
  locking clause (``FOR UPDATE``, ``FOR SHARE``, ``FOR NO KEY UPDATE``, ``FOR KEY SHARE``);
- it can be read with certainty: no nested ``/* */`` comment (PostgreSQL nests them), no
  placeholder inside a comment, no SQLite ``[name]`` or backtick name holding a quote;
- every **function it calls is known not to write**: ``SELECT f()`` runs whatever ``f``
  does, and ``nextval()`` or ``set_config()`` change state a second run would change
  again. :data:`READ_ONLY_FUNCTIONS` lists the built-ins the site's queries call (those
  of PostgreSQL and of Django's SQLite backend); the ``READ_ONLY_FUNCTIONS`` setting adds
  a site's own.

Why text and not PostgreSQL's answer: the answer that would cover everything, "did this
statement assign a transaction id" (``pg_current_xact_id_if_assigned()``), is gone by the
time it can be asked in autocommit (each statement is its own transaction), costs a
round trip per statement inside one, and misses ``nextval()`` (which takes an id only
every 32 values); a function's declared volatility does not bind C or PL/Python code.
The text rules read what the server will run, from the statement the driver is given
(parameters travel apart, as ``%s``, so no value can smuggle a keyword in; strings are
read as standard-conforming, PostgreSQL's default since 9.1 and SQLite's), and answer
from a cache for the statements a site repeats: ``make bench`` gives the cost per
statement. What no text shows is not seen: a view whose definition calls a writing
function, PostgreSQL's ``t.f`` field syntax calling ``f(t)``, a user-defined operator or
a domain check. Keep writes out of those, or run such reads outside ``read_from``.
"""

from __future__ import annotations

import functools
import itertools
import re

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["READ_ONLY_FUNCTIONS", "only_reads"]

_READING_STARTS = frozenset(
    "SELECT WITH VALUES TABLE SHOW EXPLAIN SET RESET BEGIN START COMMIT END ROLLBACK"
    " SAVEPOINT RELEASE DECLARE FETCH CLOSE MOVE".split()
)
"""Keywords a read may start with: queries, and commands that change no data."""

_WRITING_WORDS = frozenset(
    "INSERT UPDATE DELETE MERGE INTO CREATE EXECUTE PREPARED CONSTRAINTS ANALYZE ANALYSE".split()
)
"""Keywords that, anywhere in a statement, make it write, or may: create a table
(``EXPLAIN ANALYZE CREATE TABLE ... AS``), run a prepared statement, commit a prepared
transaction, fire deferred constraint triggers, or run what ``EXPLAIN ANALYZE`` explains."""

_LOCKING_AFTER_FOR = frozenset("UPDATE SHARE KEY NO".split())
"""``FOR`` followed by one of these is a locking clause: a write's lock on the primary."""

_NOT_FUNCTIONS = frozenset(
    # PostgreSQL's reserved keywords: never the name of a function.
    """ALL AND ANY ARRAY AS ASC ASYMMETRIC BOTH CASE CAST CHECK COLLATE COLUMN CONSTRAINT
    DEFAULT DESC DISTINCT DO ELSE END EXCEPT FALSE FETCH FOR FROM GROUP HAVING IN
    INTERSECT LATERAL LEADING LIMIT NOT NULL OFFSET ON ONLY OR ORDER PLACING RETURNING
    SELECT SOME SYMMETRIC TABLE THEN TO TRAILING TRUE UNION UNIQUE USING VARIADIC WHEN
    WHERE WINDOW WITH
    """
    # Keywords that "cannot be function or type": types with a length, and built-in
    # syntax that reads (COALESCE, EXTRACT, ...).
    """BETWEEN BIGINT BIT BOOLEAN CHAR CHARACTER COALESCE DEC DECIMAL EXISTS EXTRACT FLOAT
    GREATEST GROUPING INT INTEGER INTERVAL LEAST NATIONAL NCHAR NONE NORMALIZE NULLIF
    NUMERIC OVERLAY POSITION PRECISION REAL ROW SETOF SMALLINT SUBSTRING TIME TIMESTAMP
    TREAT TRIM VALUES VARCHAR""".split()
)
"""Words that may stand before ``(`` without calling a function: PostgreSQL forbids
functions of these names (``IN (...)``, ``EXISTS (...)``, ``CAST(... AS numeric(12, 2))``)."""

_CLAUSES_AFTER = {
    "OVER": ")",
    "FILTER": ")",
    "WITHIN": ")",
    "BY": "GROUP ORDER PARTITION",
    "SETS": "GROUPING",
}
"""Unreserved keywords (a function may have their name) that open a clause after these:
``count(*) FILTER (WHERE ...)``, ``OVER (...)``, ``ORDER BY (...)``."""

READ_ONLY_FUNCTIONS = frozenset(
    # Aggregates and window functions.
    """count sum avg min max bool_and bool_or every array_agg string_agg json_agg
    jsonb_agg json_object_agg jsonb_object_agg stddev stddev_pop stddev_samp variance
    var_pop var_samp percentile_cont percentile_disc mode row_number rank dense_rank
    percent_rank cume_dist ntile lag lead first_value last_value nth_value group_concat
    total
    """
    # Conditionals, numbers, text, dates: PostgreSQL's and SQLite's.
    """coalesce nullif greatest least abs ceil ceiling floor round trunc sign mod power
    sqrt exp ln log div random width_bucket lower upper length char_length
    octet_length substring substr trim ltrim rtrim btrim position strpos replace concat
    concat_ws left right lpad rpad repeat reverse split_part format to_char to_number
    to_date to_timestamp md5 instr hex quote ifnull iif printf char unicode like glob
    extract date_part date_trunc date_bin make_date make_time make_timestamp
    make_timestamptz make_interval age now current_date current_time current_timestamp
    localtime localtimestamp statement_timestamp transaction_timestamp clock_timestamp
    timezone justify_days justify_hours justify_interval isfinite date time datetime
    julianday strftime unixepoch generate_series unnest array_length array_position
    cardinality json_build_object jsonb_build_object json_build_array jsonb_build_array
    to_json to_jsonb row_to_json json_extract jsonb_extract_path
    jsonb_extract_path_text
    """
    # Replication and settings: read-only probes the routing itself runs.
    """pg_current_wal_lsn pg_current_wal_insert_lsn pg_current_wal_flush_lsn
    pg_last_wal_replay_lsn pg_last_wal_receive_lsn pg_last_xact_replay_timestamp
    pg_is_in_recovery pg_is_wal_replay_paused pg_get_wal_replay_pause_state
    pg_wal_lsn_diff pg_walfile_name pg_backend_pid pg_postmaster_start_time pg_control_system
    current_setting current_database current_schema current_user session_user version
    pg_typeof pg_sleep inet_server_addr inet_server_port
    """
    # Catalog lookups Django's introspection makes (migrations, sequence resets).
    """pg_table_is_visible obj_description col_description format_type
    pg_get_serial_sequence pg_get_constraintdef pg_get_indexdef pg_get_expr
    pg_get_userbyid array_position
    """
    # The functions Django's SQLite backend registers for date and number lookups.
    """django_date_extract django_date_trunc django_datetime_cast_date
    django_datetime_cast_time django_datetime_extract django_datetime_trunc
    django_time_extract django_time_trunc django_time_diff django_timestamp_diff
    django_format_dtdelta regexp acos asin atan atan2 bitxor cos cot degrees pi radians
    sin tan sha1 sha224 sha256 sha384 sha512""".split()
)
"""Functions a read may call: they change nothing a second run would change again."""


_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n\r]*|/\*.*?\*/)
    | (?P<bracketed>\[[^\]]*\]|`[^`]*`)
    | (?P<estring>[Ee]'(?:[^'\\]|\\.|'')*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<dollar>\$\$.*?\$\$|\$(?P<tag>[^\W\d]\w*)\$.*?\$(?P=tag)\$)
    | (?P<quoted>"(?:[^"]|"")*")
    | (?P<word>[^\W\d][\w$]*)
    | (?P<cast>::)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def only_reads(sql: str) -> bool:
    """Does ``sql`` only read? (``False`` for anything not known to be a read.)"""
    if not isinstance(sql, str):  # a composed statement (psycopg2.sql): not read here
        return False
    return _only_reads(sql, _read_only_functions())


@functools.lru_cache(maxsize=2048)
def _only_reads(sql: str, read_only_functions: frozenset[str]) -> bool:
    tokens = _significant_tokens(sql)
    if tokens is None:
        return False
    words = [value for kind, value in tokens if kind == "word"]
    first = next((value for kind, value in tokens if value != "("), None)
    if first is None or first not in _READING_STARTS:
        return False
    if not _WRITING_WORDS.isdisjoint(words):
        return False
    for previous, following in itertools.pairwise(words):
        if previous == "FOR" and following in _LOCKING_AFTER_FOR:
            return False
    return all(name in read_only_functions for name in _called_functions(tokens))


def _significant_tokens(sql: str) -> list[tuple[str, str]] | None:
    """The statement's words (upper case), names and punctuation; ``None`` when it cannot
    be read with certainty (more than one statement, or an unterminated quote)."""
    tokens: list[tuple[str, str]] = []
    ended = False
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup if match.lastgroup != "tag" else "dollar"
        value = match.group()
        if kind == "comment" and ("/*" in value[2:] or "%" in value):
            return None  # nested (PostgreSQL's end later than ours), or a placeholder
        if kind == "bracketed" and any(quote in value[1:-1] for quote in "'\"`"):
            return None  # a SQLite name holding a quote, or a subscript by a string
        if kind in ("space", "comment"):
            continue
        if ended:
            return None  # something after a ';': a second statement
        if kind == "other" and value == ";":
            ended = True
            continue
        if kind == "other" and value in "'\"$":
            return None  # an unterminated string, name or dollar quote
        tokens.append((kind, value.upper() if kind == "word" else value))
    return tokens


def _called_functions(tokens: list[tuple[str, str]]) -> list[str]:
    """The names of the functions a statement calls: a name followed by ``(`` that is no
    keyword, type (``::numeric(12, 2)``, ``AS numeric(...)``) or column list."""
    names = []
    for position, (kind, value) in enumerate(tokens[:-1]):
        if tokens[position + 1][1] != "(" or kind not in ("word", "quoted"):
            continue
        if kind == "word" and value in _NOT_FUNCTIONS:
            continue
        before = tokens[position - 1] if position else ("", "")
        if kind == "word" and before[1] in _CLAUSES_AFTER.get(value, "").split():
            continue
        if before[1] == "." and position >= 2:
            before = tokens[position - 3] if position >= 3 else ("", "")  # schema.name
        if before[0] == "cast" or before[1] == "AS":
            continue
        names.append(value.lower() if kind == "word" else value[1:-1].replace('""', '"'))
    return names


@functools.cache
def _read_only_functions() -> frozenset[str]:
    extra = getattr(settings, "READ_ONLY_FUNCTIONS", ())
    return READ_ONLY_FUNCTIONS | {name.lower() for name in extra}


@receiver(setting_changed)
def _forget_functions(setting: str, **kwargs: object) -> None:
    if setting == "READ_ONLY_FUNCTIONS":
        _read_only_functions.cache_clear()
