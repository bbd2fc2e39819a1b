//! The bot's own small tables, next to the audit log in the same database
//! (`DATABASE_URL`): which reply belongs to which draft (so an edit updates
//! the reply in place, even after a restart) and which managers were asked
//! for a written reason (reject / override) about which text (its hash, the
//! draft's revision, when, and whether an edit or a rejection has closed the
//! question since), and below which message each review channel's history is
//! older than the bot (the catch-up floor), which messages are the bot's
//! questions (and whom they asked), and which answers were handled.
//!
//! These are bookkeeping, not evidence: the audit log stays the record of
//! what happened, and this module never touches its tables. Tables are
//! created on open (`CREATE TABLE IF NOT EXISTS`), so they work beside the
//! audit store's own migrations on SQLite and PostgreSQL alike.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

use super::workflow::{Asked, Purpose};
use chrono::{DateTime, Utc};

const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS safetweet_bot_reply (
        draft_message_id BIGINT PRIMARY KEY,
        channel_id BIGINT NOT NULL,
        reply_message_id BIGINT NOT NULL
    )",
    // Questions asked by versions before this table were not bound to a
    // text: they are dropped, never honoured.
    "DROP TABLE IF EXISTS safetweet_bot_pending_reason",
    // `asked_at_us`: microseconds since the Unix epoch (UTC); `closed`: 0 or 1.
    "CREATE TABLE IF NOT EXISTS safetweet_bot_reason_question (
        channel_id BIGINT NOT NULL,
        actor_id BIGINT NOT NULL,
        draft_message_id BIGINT NOT NULL,
        purpose TEXT NOT NULL,
        prompt_message_id BIGINT NOT NULL,
        content_sha256 TEXT NOT NULL,
        revision BIGINT NOT NULL,
        asked_at_us BIGINT NOT NULL,
        closed BIGINT NOT NULL,
        PRIMARY KEY (channel_id, actor_id)
    )",
    "CREATE TABLE IF NOT EXISTS safetweet_bot_catch_up_floor (
        channel_id BIGINT PRIMARY KEY,
        floor_message_id BIGINT NOT NULL
    )",
    // Every question the bot posted, and whom it asked: a reply to one is
    // an answer (applied or told why not), never a draft.
    "CREATE TABLE IF NOT EXISTS safetweet_bot_prompt (
        prompt_message_id BIGINT PRIMARY KEY,
        channel_id BIGINT NOT NULL,
        actor_id BIGINT NOT NULL,
        draft_message_id BIGINT NOT NULL
    )",
    // Answers already handled (applied, or told why not): a replay or a
    // later catch-up leaves them alone.
    "CREATE TABLE IF NOT EXISTS safetweet_bot_answer (
        answer_message_id BIGINT PRIMARY KEY,
        channel_id BIGINT NOT NULL
    )",
];

/// A request for a written reason, waiting for the manager's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReason {
    pub channel_id: u64,
    pub actor_id: u64,
    pub draft_message_id: u64,
    pub purpose: Purpose,
    /// The bot's message that asked (a reply to it answers).
    pub prompt_message_id: u64,
    /// The hash of the text asked about.
    pub content_sha256: String,
    /// The draft's revision when asked (see `workflow::DraftState::revision`).
    pub revision: i64,
    pub asked_at: DateTime<Utc>,
    /// Closed by an edit or a rejection since (an answer no longer counts).
    pub closed: bool,
}

impl PendingReason {
    /// The question as the workflow checks an answer against it.
    pub fn asked(&self) -> Asked {
        Asked {
            content_sha256: self.content_sha256.clone(),
            revision: self.revision,
            at: self.asked_at,
            closed: self.closed,
        }
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}
fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or(DateTime::UNIX_EPOCH)
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The bot's bookkeeping tables.
#[derive(Clone)]
pub struct BotDb {
    pool: Pool,
}

// Snowflakes are below 2^63; store them as BIGINT bit for bit.
fn db(id: u64) -> i64 {
    id as i64
}
fn id(v: i64) -> u64 {
    v as u64
}

impl BotDb {
    /// Opens (and if needed creates) the tables in the database a URL names.
    pub async fn open(url: &str) -> Result<BotDb, sqlx::Error> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            crate::audit::sqlite::create_owner_only(url, &opts).map_err(sqlx::Error::Io)?;
            let opts = opts
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // Bookkeeping, not evidence: losing the last write to a power
                // cut only means an edit posts a new reply instead of editing.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30));
            Pool::Sqlite(SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?)
        } else {
            let opts = crate::audit::postgres::connect_options(url)?;
            Pool::Postgres(PgPoolOptions::new().max_connections(4).connect_with(opts).await?)
        };
        let this = BotDb { pool };
        for stmt in SCHEMA {
            this.execute(sqlx::query(stmt).persistent(false), sqlx::query(stmt).persistent(false)).await?;
        }
        Ok(this)
    }

    async fn execute<'q>(
        &self,
        sqlite: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        pg: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<(), sqlx::Error> {
        self.rows_affected(sqlite, pg).await.map(|_| ())
    }

    /// Runs the statement for this pool's database: how many rows it changed.
    async fn rows_affected<'q>(
        &self,
        sqlite: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        pg: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<u64, sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(p) => Ok(sqlite.execute(p).await?.rows_affected()),
            Pool::Postgres(p) => Ok(pg.execute(p).await?.rows_affected()),
        }
    }

    /// The bot's review reply to a draft, if it posted one.
    pub async fn reply_for(&self, draft_message_id: u64) -> Result<Option<u64>, sqlx::Error> {
        const Q: &str = "SELECT reply_message_id FROM safetweet_bot_reply WHERE draft_message_id = $1";
        let row: Option<(i64,)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(db(draft_message_id)).fetch_optional(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(db(draft_message_id)).fetch_optional(p).await?,
        };
        Ok(row.map(|(r,)| id(r)))
    }

    /// Remembers the reply to a draft (replacing an older one).
    pub async fn set_reply(
        &self,
        draft_message_id: u64,
        channel_id: u64,
        reply_message_id: u64,
    ) -> Result<(), sqlx::Error> {
        const Q: &str = "INSERT INTO safetweet_bot_reply (draft_message_id, channel_id, reply_message_id)
            VALUES ($1, $2, $3)
            ON CONFLICT (draft_message_id) DO UPDATE SET reply_message_id = excluded.reply_message_id";
        let args = (db(draft_message_id), db(channel_id), db(reply_message_id));
        self.execute(
            sqlx::query(Q).bind(args.0).bind(args.1).bind(args.2),
            sqlx::query(Q).bind(args.0).bind(args.1).bind(args.2),
        )
        .await
    }

    /// Records that a manager was asked for a reason (one request per
    /// manager and channel; a newer one replaces it, open). Stored before
    /// the question is posted, with no message id: see [`Self::complete_pending`].
    pub async fn set_pending(&self, p: &PendingReason) -> Result<(), sqlx::Error> {
        const Q: &str = "INSERT INTO safetweet_bot_reason_question
            (channel_id, actor_id, draft_message_id, purpose, prompt_message_id, content_sha256, revision,
             asked_at_us, closed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (channel_id, actor_id) DO UPDATE SET draft_message_id = excluded.draft_message_id,
                purpose = excluded.purpose, prompt_message_id = excluded.prompt_message_id,
                content_sha256 = excluded.content_sha256, revision = excluded.revision,
                asked_at_us = excluded.asked_at_us, closed = excluded.closed";
        let a = (db(p.channel_id), db(p.actor_id), db(p.draft_message_id), p.purpose.as_str(), db(p.prompt_message_id));
        let b = (p.content_sha256.as_str(), p.revision, micros(p.asked_at), i64::from(p.closed));
        self.execute(
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3).bind(a.4).bind(b.0).bind(b.1).bind(b.2).bind(b.3),
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3).bind(a.4).bind(b.0).bind(b.1).bind(b.2).bind(b.3),
        )
        .await
    }

    /// Completes the question `q` (stored with no message id yet) with the
    /// id of the message that asked it, unless another question to the same
    /// manager has taken its place since, or it was cleared: each reaction
    /// is handled in its own task, so the post of an older question may come
    /// back after a newer question was stored (and even kept), and must not
    /// bring the older one back. Only the id is set (a question closed
    /// meanwhile stays closed). Returns whether `q` was completed.
    pub async fn complete_pending(&self, q: &PendingReason, prompt_message_id: u64) -> Result<bool, sqlx::Error> {
        const Q: &str = "UPDATE safetweet_bot_reason_question SET prompt_message_id = $1
            WHERE channel_id = $2 AND actor_id = $3 AND draft_message_id = $4 AND purpose = $5
                AND asked_at_us = $6 AND prompt_message_id = 0";
        let a = (db(prompt_message_id), db(q.channel_id), db(q.actor_id), db(q.draft_message_id));
        let b = (q.purpose.as_str(), micros(q.asked_at));
        let done = self
            .rows_affected(
                sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3).bind(b.0).bind(b.1),
                sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3).bind(b.0).bind(b.1),
            )
            .await?;
        Ok(done > 0)
    }

    /// The request for a reason from this manager in this channel (open or
    /// closed: an answer to a closed one is told so, not taken for a draft).
    pub async fn pending(&self, channel_id: u64, actor_id: u64) -> Result<Option<PendingReason>, sqlx::Error> {
        const Q: &str = "SELECT draft_message_id, purpose, prompt_message_id, content_sha256, revision, asked_at_us,
            closed FROM safetweet_bot_reason_question WHERE channel_id = $1 AND actor_id = $2";
        type Row = (i64, String, i64, String, i64, i64, i64);
        let row: Option<Row> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(db(channel_id)).bind(db(actor_id)).fetch_optional(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(db(channel_id)).bind(db(actor_id)).fetch_optional(p).await?,
        };
        Ok(row.and_then(|(draft, purpose, prompt, content_sha256, revision, asked_at, closed)| {
            Some(PendingReason {
                channel_id,
                actor_id,
                draft_message_id: id(draft),
                purpose: Purpose::parse(&purpose)?,
                prompt_message_id: id(prompt),
                content_sha256,
                revision,
                asked_at: time(asked_at),
                closed: closed != 0,
            })
        }))
    }

    /// Closes the open questions on a draft (of one purpose, or all) and
    /// returns who was asked what, so each manager can be told.
    pub async fn close_questions(
        &self,
        channel_id: u64,
        draft_message_id: u64,
        only: Option<Purpose>,
    ) -> Result<Vec<(u64, Purpose)>, sqlx::Error> {
        const Q: &str = "UPDATE safetweet_bot_reason_question SET closed = 1
            WHERE channel_id = $1 AND draft_message_id = $2 AND closed = 0 AND ($3 = '' OR purpose = $3)
            RETURNING actor_id, purpose";
        let only = only.map_or("", Purpose::as_str);
        let (c, d) = (db(channel_id), db(draft_message_id));
        let rows: Vec<(i64, String)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(c).bind(d).bind(only).fetch_all(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(c).bind(d).bind(only).fetch_all(p).await?,
        };
        Ok(rows.into_iter().filter_map(|(actor, purpose)| Some((id(actor), Purpose::parse(&purpose)?))).collect())
    }

    /// The catch-up floor of a channel: messages with this id or older were
    /// there before the bot and are never caught up on.
    pub async fn catch_up_floor(&self, channel_id: u64) -> Result<Option<u64>, sqlx::Error> {
        const Q: &str = "SELECT floor_message_id FROM safetweet_bot_catch_up_floor WHERE channel_id = $1";
        let row: Option<(i64,)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(db(channel_id)).fetch_optional(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(db(channel_id)).fetch_optional(p).await?,
        };
        Ok(row.map(|(f,)| id(f)))
    }

    /// Sets a channel's catch-up floor once; a floor already set is kept.
    pub async fn set_catch_up_floor(&self, channel_id: u64, floor_message_id: u64) -> Result<(), sqlx::Error> {
        const Q: &str = "INSERT INTO safetweet_bot_catch_up_floor (channel_id, floor_message_id) VALUES ($1, $2)
            ON CONFLICT (channel_id) DO NOTHING";
        let a = (db(channel_id), db(floor_message_id));
        self.execute(sqlx::query(Q).bind(a.0).bind(a.1), sqlx::query(Q).bind(a.0).bind(a.1)).await
    }

    /// Remembers a question the bot posted (`prompt_message_id`) and whom it asked.
    pub async fn set_prompt(
        &self,
        prompt_message_id: u64,
        channel_id: u64,
        actor_id: u64,
        draft_message_id: u64,
    ) -> Result<(), sqlx::Error> {
        const Q: &str = "INSERT INTO safetweet_bot_prompt (prompt_message_id, channel_id, actor_id, draft_message_id)
            VALUES ($1, $2, $3, $4) ON CONFLICT (prompt_message_id) DO NOTHING";
        let a = (db(prompt_message_id), db(channel_id), db(actor_id), db(draft_message_id));
        self.execute(
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3),
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3),
        )
        .await
    }

    /// Whom the bot's question `prompt_message_id` asked (`None`: not a question of the bot's).
    pub async fn prompt_actor(&self, prompt_message_id: u64) -> Result<Option<u64>, sqlx::Error> {
        const Q: &str = "SELECT actor_id FROM safetweet_bot_prompt WHERE prompt_message_id = $1";
        let row: Option<(i64,)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(db(prompt_message_id)).fetch_optional(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(db(prompt_message_id)).fetch_optional(p).await?,
        };
        Ok(row.map(|(a,)| id(a)))
    }

    /// Notes that an answer was handled; `false` when it had been already.
    pub async fn note_answer(&self, answer_message_id: u64, channel_id: u64) -> Result<bool, sqlx::Error> {
        const Q: &str = "INSERT INTO safetweet_bot_answer (answer_message_id, channel_id) VALUES ($1, $2)
            ON CONFLICT (answer_message_id) DO NOTHING";
        let a = (db(answer_message_id), db(channel_id));
        let done = self.rows_affected(sqlx::query(Q).bind(a.0).bind(a.1), sqlx::query(Q).bind(a.0).bind(a.1)).await?;
        Ok(done > 0)
    }

    /// Whether an answer was handled already.
    pub async fn answer_noted(&self, answer_message_id: u64) -> Result<bool, sqlx::Error> {
        const Q: &str = "SELECT answer_message_id FROM safetweet_bot_answer WHERE answer_message_id = $1";
        let row: Option<(i64,)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(Q).bind(db(answer_message_id)).fetch_optional(p).await?,
            Pool::Postgres(p) => sqlx::query_as(Q).bind(db(answer_message_id)).fetch_optional(p).await?,
        };
        Ok(row.is_some())
    }

    /// Forgets the manager's question about this draft for this purpose,
    /// if it is the one stored: the manager's question about another draft
    /// (a `/reject draft:` on one draft while asked about another) stays.
    pub async fn clear_pending(
        &self,
        channel_id: u64,
        actor_id: u64,
        draft_message_id: u64,
        purpose: Purpose,
    ) -> Result<(), sqlx::Error> {
        const Q: &str = "DELETE FROM safetweet_bot_reason_question
            WHERE channel_id = $1 AND actor_id = $2 AND draft_message_id = $3 AND purpose = $4";
        let a = (db(channel_id), db(actor_id), db(draft_message_id), purpose.as_str());
        self.execute(
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3),
            sqlx::query(Q).bind(a.0).bind(a.1).bind(a.2).bind(a.3),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(actor_id: u64, draft_message_id: u64, purpose: Purpose) -> PendingReason {
        PendingReason {
            channel_id: 3000,
            actor_id,
            draft_message_id,
            purpose,
            prompt_message_id: 999,
            content_sha256: "ab".repeat(32),
            revision: 41,
            asked_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            closed: false,
        }
    }

    #[tokio::test]
    async fn replies_and_pending_reasons_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        {
            let db = BotDb::open(&url).await.unwrap();
            assert_eq!(db.reply_for(777).await.unwrap(), None);
            db.set_reply(777, 3000, 888).await.unwrap();
            db.set_reply(u64::MAX >> 1, 3000, 5).await.unwrap();
            db.set_pending(&question(2001, 777, Purpose::Reject)).await.unwrap();
        }
        let db = BotDb::open(&url).await.unwrap();
        assert_eq!(db.reply_for(777).await.unwrap(), Some(888));
        assert_eq!(db.reply_for(u64::MAX >> 1).await.unwrap(), Some(5));
        db.set_reply(777, 3000, 889).await.unwrap();
        assert_eq!(db.reply_for(777).await.unwrap(), Some(889));
        let p = db.pending(3000, 2001).await.unwrap().unwrap();
        assert_eq!(p, question(2001, 777, Purpose::Reject), "hash, revision and time (to the µs) kept");
        assert_eq!(db.pending(3000, 2002).await.unwrap(), None);
        db.set_pending(&PendingReason { purpose: Purpose::Override, draft_message_id: 778, ..p }).await.unwrap();
        let p2 = db.pending(3000, 2001).await.unwrap().unwrap();
        assert_eq!((p2.draft_message_id, p2.purpose), (778, Purpose::Override));
        // Cleared only as the question about that draft, for that purpose.
        db.clear_pending(3000, 2001, 777, Purpose::Reject).await.unwrap();
        db.clear_pending(3000, 2001, 778, Purpose::Reject).await.unwrap();
        assert_eq!(db.pending(3000, 2001).await.unwrap(), Some(p2));
        db.clear_pending(3000, 2001, 778, Purpose::Override).await.unwrap();
        assert_eq!(db.pending(3000, 2001).await.unwrap(), None);
    }

    #[tokio::test]
    async fn closing_questions_marks_them_once_and_a_new_question_is_open_again() {
        let dir = tempfile::tempdir().unwrap();
        let db = BotDb::open(&format!("sqlite://{}", dir.path().join("bot.db").display())).await.unwrap();
        db.set_pending(&question(2001, 777, Purpose::Override)).await.unwrap();
        db.set_pending(&question(2002, 777, Purpose::Reject)).await.unwrap();
        db.set_pending(&question(2003, 778, Purpose::Override)).await.unwrap();
        // A rejection of 777 closes its override questions only.
        assert_eq!(
            db.close_questions(3000, 777, Some(Purpose::Override)).await.unwrap(),
            vec![(2001, Purpose::Override)]
        );
        assert!(db.pending(3000, 2001).await.unwrap().unwrap().closed);
        assert!(!db.pending(3000, 2002).await.unwrap().unwrap().closed);
        // An edit closes the rest; what is closed already is not reported twice.
        assert_eq!(db.close_questions(3000, 777, None).await.unwrap(), vec![(2002, Purpose::Reject)]);
        assert_eq!(db.close_questions(3000, 777, None).await.unwrap(), vec![]);
        assert!(!db.pending(3000, 2003).await.unwrap().unwrap().closed, "another draft's question stays open");
        // Asked again: open again.
        db.set_pending(&question(2001, 777, Purpose::Override)).await.unwrap();
        assert!(!db.pending(3000, 2001).await.unwrap().unwrap().closed);
    }

    #[tokio::test]
    async fn a_question_is_completed_with_its_message_id_only_while_it_is_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let db = BotDb::open(&format!("sqlite://{}", dir.path().join("bot.db").display())).await.unwrap();
        let asked = |draft: u64, us: i64| PendingReason {
            prompt_message_id: 0,
            asked_at: DateTime::from_timestamp_micros(us).unwrap(),
            ..question(2001, draft, Purpose::Reject)
        };
        let (older, newer) = (asked(777, 1_795_000_000_000_001), asked(778, 1_795_000_000_000_002));
        // Both stored, the newer last; the older question's post comes back last.
        db.set_pending(&older).await.unwrap();
        db.set_pending(&newer).await.unwrap();
        assert!(db.complete_pending(&newer, 902).await.unwrap());
        assert!(!db.complete_pending(&older, 901).await.unwrap(), "replaced: not completed");
        let p = db.pending(3000, 2001).await.unwrap().unwrap();
        assert_eq!((p.draft_message_id, p.prompt_message_id, p.closed), (778, 902, false));
        // Completed once; a question closed meanwhile keeps its id and stays closed.
        assert!(!db.complete_pending(&newer, 903).await.unwrap());
        let third = asked(779, 1_795_000_000_000_003);
        db.set_pending(&third).await.unwrap();
        db.close_questions(3000, 779, None).await.unwrap();
        assert!(db.complete_pending(&third, 904).await.unwrap());
        let p = db.pending(3000, 2001).await.unwrap().unwrap();
        assert_eq!((p.draft_message_id, p.prompt_message_id, p.closed), (779, 904, true));
        // A question cleared before its post came back is not brought back.
        let fourth = asked(780, 1_795_000_000_000_004);
        db.set_pending(&fourth).await.unwrap();
        db.clear_pending(3000, 2001, 780, Purpose::Reject).await.unwrap();
        assert!(!db.complete_pending(&fourth, 905).await.unwrap());
        assert_eq!(db.pending(3000, 2001).await.unwrap(), None);
    }

    #[tokio::test]
    async fn questions_from_before_they_were_bound_to_a_text_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        {
            let pool = SqlitePool::connect(&format!("{url}?mode=rwc")).await.unwrap();
            sqlx::query(
                "CREATE TABLE safetweet_bot_pending_reason (channel_id BIGINT NOT NULL, actor_id BIGINT NOT NULL,
                 draft_message_id BIGINT NOT NULL, purpose TEXT NOT NULL, prompt_message_id BIGINT NOT NULL,
                 PRIMARY KEY (channel_id, actor_id))",
            )
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("INSERT INTO safetweet_bot_pending_reason VALUES (3000, 2001, 777, 'override', 999)")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        let db = BotDb::open(&url).await.unwrap();
        assert_eq!(db.pending(3000, 2001).await.unwrap(), None);
    }

    #[tokio::test]
    async fn prompts_and_handled_answers_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        {
            let db = BotDb::open(&url).await.unwrap();
            db.set_prompt(901, 3000, 2001, 777).await.unwrap();
            assert!(db.note_answer(950, 3000).await.unwrap());
            assert!(!db.note_answer(950, 3000).await.unwrap(), "noted once");
        }
        let db = BotDb::open(&url).await.unwrap();
        assert_eq!(db.prompt_actor(901).await.unwrap(), Some(2001));
        assert_eq!(db.prompt_actor(902).await.unwrap(), None);
        assert!(db.answer_noted(950).await.unwrap());
        assert!(!db.answer_noted(951).await.unwrap());
    }

    #[tokio::test]
    async fn a_catch_up_floor_is_set_once_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        {
            let db = BotDb::open(&url).await.unwrap();
            assert_eq!(db.catch_up_floor(3000).await.unwrap(), None);
            db.set_catch_up_floor(3000, 41).await.unwrap();
            db.set_catch_up_floor(3000, 99).await.unwrap();
            db.set_catch_up_floor(3001, u64::MAX >> 1).await.unwrap();
        }
        let db = BotDb::open(&url).await.unwrap();
        assert_eq!(db.catch_up_floor(3000).await.unwrap(), Some(41), "the first floor stays");
        assert_eq!(db.catch_up_floor(3001).await.unwrap(), Some(u64::MAX >> 1));
        assert_eq!(db.catch_up_floor(3002).await.unwrap(), None);
    }
}
