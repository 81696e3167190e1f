"""The relational schema. Migrations are generated from and checked against this metadata."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend.

    SQLite has no time zones: values are stored as naive UTC text (which also sorts and compares
    correctly), and naive values read back are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetimes are not stored; attach a time zone"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            msg = f"expected a datetime from the driver, got {type(value).__name__}"
            raise TypeError(msg)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("referrer_id", Uuid, ForeignKey("users.id"), nullable=True),
    Column(
        "referred_with_code_id",
        Uuid,
        ForeignKey("referral_codes.id", use_alter=True),
        nullable=True,
    ),
    # What an enrichment provider knew about the user, all optional (see the ProfileEnricher port).
    Column("profile_full_name", String(255), nullable=True),
    Column("profile_company", String(255), nullable=True),
    Column("profile_title", String(255), nullable=True),
    Column("profile_location", String(255), nullable=True),
    Column("profile_avatar_url", String(255), nullable=True),
    Column("profile_enriched_at", UtcDateTime, nullable=True),
    Column("profile_source", String(32), nullable=True),
    # The email with what providers fold into one mailbox folded (domain/mailboxes.py): one person, many spellings.
    Column("mailbox_key", String(254), nullable=False, index=True),
    CheckConstraint("referrer_id IS NULL OR referrer_id <> id", name="not_self_referral"),
    Index(None, "referrer_id", "created_at"),
    # Registrations on one code within the hour, for the velocity rule.
    Index(None, "referred_with_code_id", "created_at"),
)

CODE_STATES = ("active", "deleted", "expired", "spent")

referral_codes = Table(
    "referral_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("code", String(16), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    # Registrations it may bring (NULL: no limit) and has brought; the last allowed one moves it to 'spent'.
    Column("max_uses", Integer, nullable=True),
    Column("uses", Integer, nullable=False, server_default="0"),
    CheckConstraint(f"state IN {CODE_STATES!r}", name="known_state"),
    CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    CheckConstraint("max_uses IS NULL OR max_uses BETWEEN 1 AND 1000000", name="max_uses_in_range"),
    CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_max"),
    # "Active" is a stored state because a partial index cannot depend on now(): the database itself
    # refuses a second active code, whatever races the application loses.
    Index(
        "uq_referral_codes_one_active_per_owner",
        "owner_id",
        unique=True,
        sqlite_where=text("state = 'active'"),
        postgresql_where=text("state = 'active'"),
    ),
    # The background expiry reads active codes in expiry order; only active ones are ever due.
    Index(
        "ix_referral_codes_active_expires_at",
        "expires_at",
        sqlite_where=text("state = 'active'"),
        postgresql_where=text("state = 'active'"),
    ),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

# The transactional outbox and the event feed: one row per domain event, written in the transaction of the
# state change it reports. Ids are handed out in commit order (see adapters/persistence/outbox.py).
events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("subject_id", Uuid, nullable=False),
    # The resource as the API shows it, as a JSON document: served as it is, never re-encoded.
    Column("data", Text, nullable=False),
    Index(None, "type", "id"),
    Index(None, "recorded_at"),
    # Ids never come back, not even once the purge has emptied the table: feed readers' cursors and the
    # webhook fan-out's stand on them (SQLite would otherwise reuse them).
    sqlite_autoincrement=True,
)

# Operator API keys, stored only as digests. A name is unique among the keys in force (not revoked), so an
# operator can revoke one by name; the partial index makes that hold whatever races two creations run.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    # Space-separated, sorted (as OAuth writes a scope list).
    Column("scopes", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Written at most once a minute per key and process: using a key costs no write.
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index(
        "uq_api_keys_name_in_force",
        "name",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

# The programme. A referral row exists for every user who registered with a code; its id is the referee's.
REFERRAL_STATES = ("pending", "flagged", "qualified", "voided")
VOID_REASONS = ("fraud", "refund", "duplicate", "other")

referrals = Table(
    "referrals",
    metadata,
    Column("id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("referrer_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("qualified_at", UtcDateTime, nullable=True),
    Column("voided_at", UtcDateTime, nullable=True),
    Column("void_reason", String(16), nullable=True),
    Column("void_note", String(500), nullable=True),
    # The fraud flags raised at registration with their evidence, as a JSON list (NULL: none), and the review.
    Column("flags", Text, nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("held_conversion_id", String(255), ForeignKey("conversions.id", use_alter=True), nullable=True),
    CheckConstraint(f"state IN {REFERRAL_STATES!r}", name="known_state"),
    CheckConstraint(f"void_reason IS NULL OR void_reason IN {VOID_REASONS!r}", name="known_void_reason"),
    CheckConstraint("referrer_id <> id", name="not_self_referral"),
    Index(None, "referrer_id", "created_at"),
    # A referrer's counts by state, read from the index alone.
    Index(None, "referrer_id", "state"),
    Index(None, "state", "created_at"),
    Index(None, "created_at", "id"),
)

# One row per PUT /program; the highest version is in force. The terms are the document the API shows.
program_versions = Table(
    "program_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("terms", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("version > 0", name="positive_version"),
)

# The operator's own id is the key: a conversion reported twice is stored once, whatever races the reports run.
conversions = Table(
    "conversions",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("amount", BigInteger, nullable=True),
    Column("currency", String(16), nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("qualified", Boolean, nullable=False),
    CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_with_currency"),
    Index(None, "user_id", "received_at"),
)

REWARD_STATES = ("pending", "available", "redeemed", "voided")
REWARD_ROLES = ("referrer", "referee")

# At most one reward per referral and role: a referral qualifies once, whichever conversion wins the race.
rewards = Table(
    "rewards",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, ForeignKey("referrals.id"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("redeemed_at", UtcDateTime, nullable=True),
    Column("voided_at", UtcDateTime, nullable=True),
    Column("program_version", Integer, nullable=False),
    Column("conversion_id", String(255), ForeignKey("conversions.id"), nullable=False),
    CheckConstraint(f"state IN {REWARD_STATES!r}", name="known_state"),
    CheckConstraint(f"role IN {REWARD_ROLES!r}", name="known_role"),
    CheckConstraint("amount > 0", name="positive_amount"),
    Index("uq_rewards_one_per_referral_and_role", "referral_id", "role", unique=True),
    Index(None, "user_id", "role", "created_at"),
    # A referrer's rewards still stored as pending past their hold (the stats move them to available), and the
    # cap's count, read from the index alone.
    Index("ix_rewards_unrecorded_holds", "user_id", "role", "state", "available_at", "currency", "amount"),
    Index(None, "state", "available_at"),
    Index(None, "conversion_id"),
    Index(None, "created_at", "id"),
)
