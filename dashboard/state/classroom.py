"""A class session's rules: predict first, then reveal together (issue 11). The data lives in dashboard.state.store.

    room = Classroom()                          # the process's store; Classroom(db, clock=...) in tests
    new = room.start_session()                  # new.code for students ("K7MPQ2"), new.secret for the instructor
    student = room.join("k7mpq2")               # a random student id the page keeps
    room.set_question(new.code, new.secret, "memory-norm", {"rho": 1.1}, truth="above", choices=["above", "below"])
    room.answer(new.code, student, "below", nickname="Ada", question=1)   # changeable until the reveal
    room.send_class(new.code, new.secret, "memory", {"mem_radius": "1.1"})  # every student's screen follows
    room.answer_count(new.code)                 # the instructor's live count: 1
    room.reveal(new.code, new.secret)           # then room.results(code) for everyone: truth and all answers
    room.summary(new.code, new.secret)          # per question: the share right, the spread, what to revisit
    csv_text = room.end_session(new.code, new.secret)   # every answer; the secret stops working

Roles: the instructor secret (192 random bits, `secrets`) is stored only as its SHA-256. A fast hash is enough:
slow hashes (bcrypt, argon2) exist to make guessing a low-entropy *password* from a leaked hash expensive; a
uniformly random 192-bit secret cannot be guessed at any speed (2**192 tries), so a slow hash would add only
latency. Students see a question's truth and the class's answers (never anyone's nickname or id) only after the
reveal. Every refusal raises `ClassroomError` (a ValueError) with a short message, inside the transaction that
would have written, so it changes nothing; a database that fails to answer gives `NotSaved` (a ClassroomError too:
"not saved, try again"), never a driver's traceback. Join codes expire 12 hours after the start; expired sessions
and all their answers are deleted when the next session starts and every `CLEANUP_EVERY_S` by `start_cleanup`'s
thread. Caps (students per session, live sessions) are counted under a lock, so they hold under concurrency.
Answers are rate-limited per student in the database
(`ANSWERS_PER_WINDOW` per `RATE_WINDOW_S`), so the limit holds across server processes.
"""
from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import hmac
import io
import json
import numbers
import re
import secrets
import statistics
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.state import store
from dashboard.state.store import answers, class_sessions, questions, students
from rnncore.lesson.questions import is_right

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or off a projector unambiguously
JOIN_CODE_LENGTH = 6                               # 31**6 = 887 million codes
SECRET_BYTES = 24                                  # 192 random bits
SESSION_LIFETIME_S = 12 * 3600
ANSWERS_PER_WINDOW = 5                             # per student: plenty for changing one's mind, not a flood
RATE_WINDOW_S = 10.0
MAX_STUDENTS = 500                                 # per session
MAX_LIVE_SESSIONS = 200                            # per database
MAX_ABS_ANSWER = 1e12                              # every lesson quantity is far smaller
MAX_NICKNAME = 40
MAX_TEXT = 100                                     # a question id or one choice
MAX_CHOICES = 20
MAX_JSON_BYTES = 10_000                            # a question's settings, and its truth
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}  # control, format (bidi overrides), surrogates, ...
# Format characters a phone keyboard types inside a nickname, harmless on any screen: the joiners that build
# emoji (U+200D in a family emoji) and Persian words (U+200C), the direction marks Arabic and Hebrew keyboards
# add (they only order neutral characters; the overrides U+202A-U+202E and isolates stay refused: they reorder
# the text after them), and the tag characters of regional flag emoji.
NICKNAME_FORMAT_OK = {"\u200c", "\u200d", "\u200e", "\u200f", "\u061c", *map(chr, range(0xE0020, 0xE0080))}
CLEANUP_EVERY_S = 600.0                            # expired sessions deleted this often by each server process
REVISIT_BELOW = 0.5                                # a question fewer than half got right: revisit it

CODE_PATTERN = re.compile(f"[{JOIN_ALPHABET}]{{{JOIN_CODE_LENGTH}}}")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")   # secrets.token_urlsafe output


class ClassroomError(ValueError):
    """A refused request; its message is short and safe to show to whoever sent it."""


class NotSaved(ClassroomError):
    """The database did not answer (stopped, restarting, locked past its timeout): nothing was written."""


def _database_errors(message: str):
    """Turn the database's failures (connection lost, server restarting, locked past the timeout) into
    NotSaved(`message`): the page says so and the student can try again."""
    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except sa.exc.DBAPIError as error:
                if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)) \
                        or error.connection_invalidated:
                    raise NotSaved(message) from error
                raise  # a programming error or a broken rule: a bug to see, not a fault to retry
        return wrapper
    return decorate


@dataclass(frozen=True)
class NewSession:
    code: str    # the join code students type
    secret: str  # the instructor's: put it only in the instructor link


@dataclass(frozen=True)
class Question:
    number: int                      # 1, 2, ... within the session
    question_id: str
    settings: dict
    choices: tuple[str, ...] | None  # None: the answer is a number
    revealed: bool
    truth: object                    # None until the reveal
    tolerance: float = 0.0           # a number question: relative error still counted right (0: exactly)
    asked_at: float = 0.0


@dataclass(frozen=True)
class Results:
    question: Question
    values: tuple                    # every student's answer, oldest first; no ids, no nicknames

    @property
    def right(self) -> int:
        return sum(is_right(value, self.question.truth, self.question.tolerance) for value in self.values)


@dataclass(frozen=True)
class Follow:
    seq: int                         # grows with every send and every bring-back: a student follows each once
    page: str | None                 # the experiment's url_path; None: back to the class
    query: dict                      # its settings as URL parameters


@dataclass(frozen=True)
class QuestionSummary:
    number: int
    question_id: str
    answers: int
    right: int
    spread: str                      # choices: each with its count; numbers: lowest, median, highest
    revealed: bool

    @property
    def share_right(self) -> float | None:
        return self.right / self.answers if self.answers else None

    @property
    def revisit(self) -> bool:
        return self.answers > 0 and self.share_right < REVISIT_BELOW


def plain(value) -> str:
    """A value as it was taken: 543 for 543.0, 1000000000001 (not 1e+12), 0.1, text as it is."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:  # every integer of that size is exact in a float
            return str(int(value))
        return repr(value)
    return str(value)


def _when(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spread(values, choices) -> str:
    if not values:
        return ""
    if choices:
        return "; ".join(f"{choice}: {sum(v == choice for v in values)}" for choice in choices)
    numbers = [float(v) for v in values]
    return (f"lowest {plain(min(numbers))}, median {plain(float(statistics.median(numbers)))}, "
            f"highest {plain(max(numbers))}")


def _text(name: str, value, max_length: int) -> str:
    if not isinstance(value, str):
        raise ClassroomError(f"{name} must be text")
    if len(value) > max_length:
        raise ClassroomError(f"{name} must be at most {max_length} characters")
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in value):
        raise ClassroomError(f"{name} must not contain control characters")
    return value


def _code(code) -> str:
    if not isinstance(code, str) or len(code) > 32 or not CODE_PATTERN.fullmatch(code.strip().upper()):
        raise ClassroomError("unknown or expired join code")
    return code.strip().upper()


def _token(name: str, value) -> str:
    if not isinstance(value, str) or not TOKEN_PATTERN.fullmatch(value):
        raise ClassroomError("only the instructor link can do this" if name == "secret"
                             else "unknown student: join the class again")
    return value


def check_nickname(nickname) -> str | None:
    """The nickname as stored (trimmed; None if empty), or ClassroomError naming what is wrong with it.
    The class page calls this when a student joins, so a nickname that would be refused is refused there."""
    if nickname is None:
        return None
    if not isinstance(nickname, str):
        raise ClassroomError("a nickname must be text")
    nickname = nickname.strip()
    if len(nickname) > MAX_NICKNAME:
        raise ClassroomError(f"a nickname must be at most {MAX_NICKNAME} characters")
    for ch in nickname:
        if unicodedata.category(ch) in REFUSED_CATEGORIES and ch not in NICKNAME_FORMAT_OK:
            name = unicodedata.name(ch, "a control character")
            raise ClassroomError(f"a nickname must not contain the invisible character U+{ord(ch):04X} ({name}): "
                                 "type it without")
    return nickname or None


def _plain_answer(value):
    """A number as float, or text (checked against the choices later): refused before touching the database."""
    if isinstance(value, str):
        return _text("an answer", value, MAX_TEXT)
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ClassroomError("an answer must be a number or one of the choices")
    if not abs(value) <= MAX_ABS_ANSWER:  # also false for NaN
        raise ClassroomError(f"an answer must be a finite number within +-{MAX_ABS_ANSWER:g}")
    return float(value)


def _json(name: str, value):
    """`value` as the database will give it back (tuples become lists), refusing NaN and oversized values."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise ClassroomError(f"{name} must be JSON data without NaN or infinity") from None
    if len(text.encode()) > MAX_JSON_BYTES:
        raise ClassroomError(f"{name} must be at most {MAX_JSON_BYTES} bytes as JSON")
    return json.loads(text)


def _choices(choices) -> list[str] | None:
    if choices is None:
        return None
    if not isinstance(choices, (list, tuple)) or not 2 <= len(choices) <= MAX_CHOICES:
        raise ClassroomError(f"choices must be a list of 2..{MAX_CHOICES} strings")
    choices = list(choices)
    if len(set(_text("a choice", c, MAX_TEXT) for c in choices)) != len(choices) or "" in choices:
        raise ClassroomError("choices must be distinct and not empty")
    return choices


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _csv_text(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_cell(value) -> str:
    """One rule for every cell: numbers plain (543, -2, 0.1), text defused, nothing as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return plain(float(value))
    return _csv_text(str(value))


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # QUOTE_MINIMAL, the same for every cell
    writer.writerow(header)
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


class Classroom:
    """The class-session rules over one database; `clock` returns unix seconds (inject one in tests)."""

    def __init__(self, db: Engine | None = None, clock: Callable[[], float] = time.time):
        self.db = db or store.engine()
        self.clock = clock

    # -- helpers: each reads within the caller's transaction, taking row locks where a write depends on it

    def _session(self, conn: Connection, code: str, lock: str | None = None, now: float | None = None):
        query = sa.select(class_sessions).where(class_sessions.c.code == code)
        row = conn.execute(query.with_for_update(read=lock == "share") if lock else query).first()
        if row is None or row.expires_at <= (self.clock() if now is None else now):
            raise ClassroomError("unknown or expired join code")
        if row.ended_at is not None:
            raise ClassroomError("this class session has ended")
        return row

    def _instructor(self, conn: Connection, code, secret, lock: str = "share"):
        code, secret = _code(code), _token("secret", secret)
        row = self._session(conn, code, lock)
        if not hmac.compare_digest(row.secret_hash, _hash(secret)):
            raise ClassroomError("only the instructor link can do this")
        return row

    def _question(self, conn: Connection, code: str, number: int, lock: str | None = None) -> Question | None:
        query = sa.select(questions).where(questions.c.session_code == code, questions.c.number == number)
        row = conn.execute(query.with_for_update(read=lock == "share") if lock else query).first()
        return None if row is None else self._question_of(row)

    @staticmethod
    def _question_of(row) -> Question:
        revealed = row.state == "revealed"
        return Question(row.number, row.question_id, row.settings,
                        None if row.choices is None else tuple(row.choices), revealed,
                        row.truth if revealed else None, row.tolerance, row.asked_at)

    def _results(self, conn: Connection, code: str, question: Question) -> Results:
        values = conn.execute(sa.select(answers.c.value).where(
            answers.c.session_code == code, answers.c.number == question.number)
            .order_by(answers.c.updated_at, answers.c.student_id)).scalars().all()
        return Results(question, tuple(values))

    # -- the instructor

    @_database_errors("the session was not started: the class's database did not answer, try again")
    def start_session(self) -> NewSession:
        for _ in range(5):  # a fresh code collides with a live one about once in millions of starts
            now, code = self.clock(), "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            secret = secrets.token_urlsafe(SECRET_BYTES)
            try:
                with store.transaction(self.db) as conn:
                    store.advisory_lock(conn, store.SESSIONS_LOCK_ID)  # count and insert as one step
                    self._purge(conn, now)
                    live = conn.execute(sa.select(sa.func.count()).select_from(class_sessions)
                                        .where(class_sessions.c.ended_at.is_(None))).scalar_one()
                    if live >= MAX_LIVE_SESSIONS:
                        raise ClassroomError("too many class sessions are running on this server: try later")
                    conn.execute(class_sessions.insert().values(
                        code=code, secret_hash=_hash(secret), created_at=now,
                        expires_at=now + SESSION_LIFETIME_S, ended_at=None, question_count=0, follow=None))
                return NewSession(code, secret)
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("could not find a free join code")

    @staticmethod
    def _purge(conn: Connection, now: float) -> int:
        return conn.execute(class_sessions.delete().where(class_sessions.c.expires_at <= now)).rowcount

    @_database_errors("the class's database did not answer")
    def purge_expired(self) -> int:
        """Delete every expired session with its students, questions and answers; how many sessions went."""
        with store.transaction(self.db) as conn:
            return self._purge(conn, self.clock())

    @_database_errors("the class's database did not answer, try again")
    def check_instructor(self, code, secret) -> None:
        """Raises ClassroomError unless `secret` is this live session's instructor secret."""
        with store.transaction(self.db, write=False) as conn:
            self._instructor(conn, code, secret, lock=None)

    @_database_errors("the question was not asked: the class's database did not answer, try again")
    def set_question(self, code, secret, question_id: str, settings: dict, truth, choices=None,
                     tolerance: float = 0.0) -> int:
        """Ask the class a new question (the previous one closes); returns its number. `choices` None: a number,
        counted right within `tolerance` (relative) of `truth`."""
        question_id = _text("question_id", question_id, MAX_TEXT)
        if not isinstance(settings, dict):
            raise ClassroomError("settings must be a dict")
        if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not 0 <= tolerance <= 1:
            raise ClassroomError("tolerance must be a number from 0 to 1")
        settings, truth, choices = _json("settings", settings), _json("truth", truth), _choices(choices)
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret, lock="update")
            number = row.question_count + 1
            conn.execute(questions.insert().values(
                session_code=row.code, number=number, question_id=question_id, settings=settings,
                choices=choices, truth=truth, state="open", asked_at=self.clock(), tolerance=float(tolerance)))
            conn.execute(class_sessions.update().where(class_sessions.c.code == row.code)
                         .values(question_count=number))
        return number

    @_database_errors("not revealed: the class's database did not answer, try again")
    def reveal(self, code, secret) -> Results:
        """Close the current question to answers and show everyone its truth and the class's answers."""
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret)
            if self._question(conn, row.code, row.question_count, lock="update") is None:
                raise ClassroomError("there is no question to reveal yet")
            conn.execute(questions.update().values(state="revealed").where(
                questions.c.session_code == row.code, questions.c.number == row.question_count))
            return self._results(conn, row.code, self._question(conn, row.code, row.question_count))

    @_database_errors("the class was not sent: the class's database did not answer, try again")
    def send_class(self, code, secret, page: str | None, query: dict | None = None) -> int:
        """Every joined student's screen opens `page` (a url_path) with `query`; None brings them back to the
        class. Returns the sending's number (`Follow.seq`)."""
        if page is not None:
            page = _text("page", page, MAX_TEXT)
            if not re.fullmatch(r"[a-z][a-z0-9_]*", page):
                raise ClassroomError("page must be a page's url_path")
        query = _json("query", query or {})
        if not isinstance(query, dict) or not all(isinstance(v, str) for v in query.values()):
            raise ClassroomError("query must map names to text")
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret, lock="update")
            seq = (row.follow or {}).get("seq", 0) + 1
            conn.execute(class_sessions.update().where(class_sessions.c.code == row.code).values(
                follow={"seq": seq, "page": page, "query": query if page else {}}))
        return seq

    @_database_errors("the class's database did not answer; trying again")
    def following(self, code) -> Follow | None:
        """Where the instructor last sent the class (page None: back to the class), or None if never."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            follow = self._session(conn, code).follow
        return None if not follow else Follow(follow["seq"], follow["page"], follow["query"])

    @_database_errors("the class's database did not answer, try again")
    def summary_csv(self, code, secret) -> str:
        """One row per answer (a question nobody answered: one row, answer empty); nickname only if chosen."""
        with store.transaction(self.db, write=False) as conn:
            return self._answers_csv(conn, self._instructor(conn, code, secret, lock=None).code)

    def _answers_csv(self, conn: Connection, code: str) -> str:
        rows = conn.execute(
            sa.select(questions, answers.c.value, answers.c.nickname, answers.c.updated_at)
            .select_from(questions.outerjoin(answers, sa.and_(answers.c.session_code == questions.c.session_code,
                                                              answers.c.number == questions.c.number)))
            .where(questions.c.session_code == code)
            .order_by(questions.c.number, answers.c.updated_at, answers.c.student_id)).all()
        header = ["question", "question_id", "asked_at", "settings", "truth", "tolerance", "answer", "right",
                  "answered_at", "nickname"]
        return _csv(header, [[r.number, r.question_id, _when(r.asked_at), urlencode(sorted(r.settings.items())),
                              r.truth, r.tolerance, r.value,
                              None if r.value is None else is_right(r.value, r.truth, r.tolerance),
                              _when(r.updated_at if r.value is not None else None), r.nickname]
                             for r in rows])

    @_database_errors("the class's database did not answer, try again")
    def summary(self, code, secret) -> list[QuestionSummary]:
        """Every question of the session so far: how many answered, how many were right, the spread."""
        with store.transaction(self.db, write=False) as conn:
            return self._summary(conn, self._instructor(conn, code, secret, lock=None).code)

    def _summary(self, conn: Connection, code: str) -> list[QuestionSummary]:
        rows = conn.execute(sa.select(questions).where(questions.c.session_code == code)
                            .order_by(questions.c.number)).all()
        out = []
        for row in rows:
            values = conn.execute(sa.select(answers.c.value).where(
                answers.c.session_code == code, answers.c.number == row.number)).scalars().all()
            right = sum(is_right(value, row.truth, row.tolerance) for value in values)
            out.append(QuestionSummary(row.number, row.question_id, len(values), right,
                                       _spread(values, row.choices), row.state == "revealed"))
        return out

    @_database_errors("the class's database did not answer, try again")
    def summary_table_csv(self, code, secret) -> str:
        """The summary as CSV: one row per question."""
        return summary_table_csv(self.summary(code, secret))

    @_database_errors("the session was not ended: the class's database did not answer, try again")
    def end_session(self, code, secret) -> tuple[str, str]:
        """End the session; returns its CSVs (every answer, the summary). From now on the secret is refused."""
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret, lock="update")
            every_answer, summary = self._answers_csv(conn, row.code), summary_table_csv(self._summary(conn, row.code))
            conn.execute(class_sessions.update().where(class_sessions.c.code == row.code)
                         .values(ended_at=self.clock()))
        return every_answer, summary

    # -- students

    @_database_errors("not joined: the class's database did not answer, try again")
    def join(self, code) -> str:
        """A new student id for this session: the page keeps it (session state or URL) to answer with."""
        code, now, student_id = _code(code), self.clock(), secrets.token_urlsafe(16)
        with store.transaction(self.db) as conn:
            # FOR UPDATE, not FOR SHARE: joiners must queue on the session row, or two of them could both
            # count MAX_STUDENTS - 1 and both insert.
            self._session(conn, code, "update", now)
            joined = conn.execute(sa.select(sa.func.count()).select_from(students)
                                  .where(students.c.session_code == code)).scalar_one()
            if joined >= MAX_STUDENTS:
                raise ClassroomError("this class session is full")
            conn.execute(students.insert().values(session_code=code, student_id=student_id, joined_at=now,
                                                  window_start=now, window_answers=0))
        return student_id

    @_database_errors("not saved: the class's database did not answer, try again")
    def answer(self, code, student_id, value, nickname=None, *, question: int | None = None) -> None:
        """Record (or change) this student's answer to the current question, committed before returning.

        Pass `question`, the number the student saw, so an answer sent as the instructor moves on is refused
        instead of landing on the next question. A number question takes a real number, a choice question one
        of its choices (exact text)."""
        code, student_id = _code(code), _token("student", student_id)
        value, nickname = _plain_answer(value), check_nickname(nickname)
        if question is not None and (not isinstance(question, int) or isinstance(question, bool)):
            raise ClassroomError("question must be a question number")
        now = self.clock()
        with store.transaction(self.db) as conn:
            session = self._session(conn, code, "share", now)
            current = self._question(conn, code, session.question_count, lock="share")
            if current is None or question not in (None, current.number) or current.revealed:
                raise ClassroomError("this question is closed")
            if current.choices is None and isinstance(value, str):
                raise ClassroomError("this question asks for a number")
            if current.choices is not None and value not in current.choices:
                raise ClassroomError("that is not one of the choices")
            student = conn.execute(sa.select(students).where(
                students.c.session_code == code, students.c.student_id == student_id).with_for_update()).first()
            if student is None:
                raise ClassroomError("unknown student: join the class again")
            fresh_window = now - student.window_start >= RATE_WINDOW_S
            if not fresh_window and student.window_answers >= ANSWERS_PER_WINDOW:
                raise ClassroomError("too many answers: wait a few seconds")
            conn.execute(students.update().where(
                students.c.session_code == code, students.c.student_id == student_id).values(
                window_start=now if fresh_window else student.window_start,
                window_answers=1 if fresh_window else student.window_answers + 1))
            store.upsert(conn, answers, {"session_code": code, "number": current.number, "student_id": student_id,
                                         "nickname": nickname, "value": value, "updated_at": now},
                         ["session_code", "number", "student_id"])

    @_database_errors("the class's database did not answer; trying again")
    def my_answer(self, code, student_id):
        """This student's own answer to the current question, or None."""
        code, student_id = _code(code), _token("student", student_id)
        with store.transaction(self.db, write=False) as conn:
            session = self._session(conn, code)
            return conn.execute(sa.select(answers.c.value).where(
                answers.c.session_code == code, answers.c.number == session.question_count,
                answers.c.student_id == student_id)).scalar()

    @_database_errors("the class's database did not answer; trying again")
    def current_question(self, code) -> Question | None:
        """The question the class is on (its truth only once revealed), or None before the first."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            return self._question(conn, code, self._session(conn, code).question_count)

    @_database_errors("the class's database did not answer; trying again")
    def answer_count(self, code) -> int:
        """How many students have answered the current question: the instructor's live count."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            session = self._session(conn, code)
            return conn.execute(sa.select(sa.func.count()).select_from(answers).where(
                answers.c.session_code == code, answers.c.number == session.question_count)).scalar_one()

    @_database_errors("the class's database did not answer; trying again")
    def joined_count(self, code) -> int:
        """How many students have joined: the projector's live count."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            self._session(conn, code)
            return conn.execute(sa.select(sa.func.count()).select_from(students)
                                .where(students.c.session_code == code)).scalar_one()

    @_database_errors("the class's database did not answer; trying again")
    def results(self, code, question: int | None = None) -> Results:
        """A revealed question's truth and the class's answers (default: the current question)."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            session = self._session(conn, code)
            number = session.question_count if question is None else question
            if isinstance(number, bool) or not isinstance(number, int) \
                    or not 1 <= number <= session.question_count:
                raise ClassroomError("there is no such question")
            shown = self._question(conn, code, number)
            if not shown.revealed:
                raise ClassroomError("the class's answers are shown after the reveal")
            return self._results(conn, code, shown)


def summary_table_csv(summary: list[QuestionSummary]) -> str:
    return _csv(["question", "question_id", "answers", "right", "share_right", "spread", "revisit"],
                [[q.number, q.question_id, q.answers, q.right,
                  None if q.share_right is None else round(q.share_right, 3), q.spread, q.revisit]
                 for q in summary])


def start_cleanup(room: Classroom, every_s: float = CLEANUP_EVERY_S) -> threading.Event:
    """Delete expired sessions every `every_s` seconds in a daemon thread (one per server process: the
    page layer starts it once); set the returned event to stop it. A failing database is tried again later."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            try:
                room.purge_expired()
            except NotSaved:
                pass  # the database is down: the next round tries again

    threading.Thread(target=run, name="class-cleanup", daemon=True).start()
    return stop


def qr_svg(url: str, scale: int = 8) -> str:
    """The join link as a QR code in SVG, drawn here by segno (pure Python, no network)."""
    return _qr(url).svg_inline(scale=scale)


def qr_png(url: str, scale: int = 8) -> bytes:
    """The join link as a QR code in PNG bytes."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale)
    return out.getvalue()


def _qr(url: str):
    import segno

    if not isinstance(url, str) or not re.fullmatch(r"https?://[!-~]{1,500}", url):
        raise ClassroomError("a join link must be an http(s) URL of at most 500 printable characters")
    return segno.make(url, error="m", micro=False)
