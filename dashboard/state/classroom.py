"""A class session's rules: predict first, then reveal together (issue 11). The data lives in dashboard.state.store.

    room = Classroom()                          # the process's store; Classroom(db, clock=...) in tests
    new = room.start_session()                  # new.code for students ("K7MPQ2"), new.secret for the instructor
    student = room.join("k7mpq2")               # a random student id the page keeps
    room.set_question(new.code, new.secret, "memory-norm", {"rho": 1.1}, truth="above", choices=["above", "below"])
    room.answer(new.code, student, "below", nickname="Ada", question=1)   # changeable until the reveal
    room.answer_count(new.code)                 # the instructor's live count: 1
    room.reveal(new.code, new.secret)           # then room.results(code) for everyone: truth and all answers
    csv_text = room.end_session(new.code, new.secret)   # the summary; the secret stops working

Roles: the instructor secret (192 random bits, `secrets`) is stored only as its SHA-256. A fast hash is enough:
slow hashes (bcrypt, argon2) exist to make guessing a low-entropy *password* from a leaked hash expensive; a
uniformly random 192-bit secret cannot be guessed at any speed (2**192 tries), so a slow hash would add only
latency. Students see a question's truth and the class's answers (never anyone's nickname or id) only after the
reveal. Every refusal raises `ClassroomError` (a ValueError) with a short message, inside the transaction that
would have written, so it changes nothing. Join codes expire 12 hours after the start; expired sessions and all
their answers are deleted when the next session starts. Answers are rate-limited per student in the database
(`ANSWERS_PER_WINDOW` per `RATE_WINDOW_S`), so the limit holds across server processes.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import numbers
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.state import store
from dashboard.state.store import answers, class_sessions, questions, students

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

CODE_PATTERN = re.compile(f"[{JOIN_ALPHABET}]{{{JOIN_CODE_LENGTH}}}")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")   # secrets.token_urlsafe output


class ClassroomError(ValueError):
    """A refused request; its message is short and safe to show to whoever sent it."""


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


@dataclass(frozen=True)
class Results:
    question: Question
    values: tuple                    # every student's answer, oldest first; no ids, no nicknames


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


def _nickname(nickname) -> str | None:
    if nickname is None:
        return None
    if not isinstance(nickname, str):
        raise ClassroomError("a nickname must be text")
    return _text("a nickname", nickname.strip(), MAX_NICKNAME) or None


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
        if row is None:
            return None
        revealed = row.state == "revealed"
        return Question(row.number, row.question_id, row.settings,
                        None if row.choices is None else tuple(row.choices), revealed,
                        row.truth if revealed else None)

    def _results(self, conn: Connection, code: str, question: Question) -> Results:
        values = conn.execute(sa.select(answers.c.value).where(
            answers.c.session_code == code, answers.c.number == question.number)
            .order_by(answers.c.updated_at, answers.c.student_id)).scalars().all()
        return Results(question, tuple(values))

    # -- the instructor

    def start_session(self) -> NewSession:
        for _ in range(5):  # a fresh code collides with a live one about once in millions of starts
            now, code = self.clock(), "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            secret = secrets.token_urlsafe(SECRET_BYTES)
            try:
                with store.transaction(self.db) as conn:
                    conn.execute(class_sessions.delete().where(class_sessions.c.expires_at <= now))
                    live = conn.execute(sa.select(sa.func.count()).select_from(class_sessions)
                                        .where(class_sessions.c.ended_at.is_(None))).scalar_one()
                    if live >= MAX_LIVE_SESSIONS:
                        raise ClassroomError("too many class sessions are running on this server: try later")
                    conn.execute(class_sessions.insert().values(
                        code=code, secret_hash=_hash(secret), created_at=now,
                        expires_at=now + SESSION_LIFETIME_S, ended_at=None, question_count=0))
                return NewSession(code, secret)
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("could not find a free join code")

    def check_instructor(self, code, secret) -> None:
        """Raises ClassroomError unless `secret` is this live session's instructor secret."""
        with store.transaction(self.db, write=False) as conn:
            self._instructor(conn, code, secret, lock=None)

    def set_question(self, code, secret, question_id: str, settings: dict, truth, choices=None) -> int:
        """Ask the class a new question (the previous one closes); returns its number. `choices` None: a number."""
        question_id = _text("question_id", question_id, MAX_TEXT)
        if not isinstance(settings, dict):
            raise ClassroomError("settings must be a dict")
        settings, truth, choices = _json("settings", settings), _json("truth", truth), _choices(choices)
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret, lock="update")
            number = row.question_count + 1
            conn.execute(questions.insert().values(
                session_code=row.code, number=number, question_id=question_id, settings=settings,
                choices=choices, truth=truth, state="open", asked_at=self.clock()))
            conn.execute(class_sessions.update().where(class_sessions.c.code == row.code)
                         .values(question_count=number))
        return number

    def reveal(self, code, secret) -> Results:
        """Close the current question to answers and show everyone its truth and the class's answers."""
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret)
            if self._question(conn, row.code, row.question_count, lock="update") is None:
                raise ClassroomError("there is no question to reveal yet")
            conn.execute(questions.update().values(state="revealed").where(
                questions.c.session_code == row.code, questions.c.number == row.question_count))
            return self._results(conn, row.code, self._question(conn, row.code, row.question_count))

    def summary_csv(self, code, secret) -> str:
        """One row per answer (a question nobody answered: one row, answer empty); nickname only if chosen."""
        with store.transaction(self.db, write=False) as conn:
            return self._summary(conn, self._instructor(conn, code, secret, lock=None).code)

    def _summary(self, conn: Connection, code: str) -> str:
        rows = conn.execute(
            sa.select(questions.c.number, questions.c.question_id, questions.c.settings, questions.c.truth,
                      answers.c.value, answers.c.nickname)
            .select_from(questions.outerjoin(answers, sa.and_(answers.c.session_code == questions.c.session_code,
                                                              answers.c.number == questions.c.number)))
            .where(questions.c.session_code == code)
            .order_by(questions.c.number, answers.c.updated_at, answers.c.student_id)).all()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["question", "question_id", "settings", "truth", "answer", "nickname"])
        for r in rows:
            value = "" if r.value is None else _csv_text(r.value) if isinstance(r.value, str) else repr(r.value)
            writer.writerow([r.number, r.question_id, json.dumps(r.settings, sort_keys=True), json.dumps(r.truth),
                             value, _csv_text(r.nickname or "")])
        return out.getvalue()

    def end_session(self, code, secret) -> str:
        """End the session and return its summary CSV; from now on the secret is refused."""
        with store.transaction(self.db) as conn:
            row = self._instructor(conn, code, secret, lock="update")
            summary = self._summary(conn, row.code)
            conn.execute(class_sessions.update().where(class_sessions.c.code == row.code)
                         .values(ended_at=self.clock()))
        return summary

    # -- students

    def join(self, code) -> str:
        """A new student id for this session: the page keeps it (session state or URL) to answer with."""
        code, now, student_id = _code(code), self.clock(), secrets.token_urlsafe(16)
        with store.transaction(self.db) as conn:
            self._session(conn, code, "share", now)
            joined = conn.execute(sa.select(sa.func.count()).select_from(students)
                                  .where(students.c.session_code == code)).scalar_one()
            if joined >= MAX_STUDENTS:
                raise ClassroomError("this class session is full")
            conn.execute(students.insert().values(session_code=code, student_id=student_id, joined_at=now,
                                                  window_start=now, window_answers=0))
        return student_id

    def answer(self, code, student_id, value, nickname=None, *, question: int | None = None) -> None:
        """Record (or change) this student's answer to the current question, committed before returning.

        Pass `question`, the number the student saw, so an answer sent as the instructor moves on is refused
        instead of landing on the next question. A number question takes a real number, a choice question one
        of its choices (exact text)."""
        code, student_id = _code(code), _token("student", student_id)
        value, nickname = _plain_answer(value), _nickname(nickname)
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

    def my_answer(self, code, student_id):
        """This student's own answer to the current question, or None."""
        code, student_id = _code(code), _token("student", student_id)
        with store.transaction(self.db, write=False) as conn:
            session = self._session(conn, code)
            return conn.execute(sa.select(answers.c.value).where(
                answers.c.session_code == code, answers.c.number == session.question_count,
                answers.c.student_id == student_id)).scalar()

    def current_question(self, code) -> Question | None:
        """The question the class is on (its truth only once revealed), or None before the first."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            return self._question(conn, code, self._session(conn, code).question_count)

    def answer_count(self, code) -> int:
        """How many students have answered the current question: the instructor's live count."""
        code = _code(code)
        with store.transaction(self.db, write=False) as conn:
            session = self._session(conn, code)
            return conn.execute(sa.select(sa.func.count()).select_from(answers).where(
                answers.c.session_code == code, answers.c.number == session.question_count)).scalar_one()

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
