//! The `interactions` of a session: appending with gap-free sequence numbers, and reading them
//! back (by page, the most recent, a range, one client message).
//!
//! # Appending
//! On PostgreSQL one statement, `WITH counted AS (UPDATE sessions … RETURNING …) INSERT …
//! SELECT … FROM counted` (atomic, one round trip). On SQLite one transaction (`BEGIN IMMEDIATE` on SQLite, so that concurrent appends queue on the busy
//! timeout instead of failing on a lock upgrade): first
//! `UPDATE sessions SET interaction_count = interaction_count + 1 … WHERE … AND state = 'active'
//! RETURNING *`, whose row lock (PostgreSQL) or write lock (SQLite) serializes the appends of a
//! session, then the insert with the returned count as its sequence number. A failed insert
//! (a duplicate client message id) rolls the increment back, so no number is lost.

use super::{count, object, owned_row};
use crate::entities::interactions::{ActiveModel, Column, Entity, Model};
use crate::entities::sessions;
use crate::error::db_error;
use crate::repositories::now;
use hellosales_domain::content::{Page, PageQuery};
use hellosales_domain::error::Resource;
use hellosales_domain::sessions::{
    HeardSpeech, InputType, Interaction, InteractionRole, MAX_MESSAGE_ID, NewInteraction,
    SessionState,
};
use hellosales_domain::{AppError, AppResult, InteractionId, OrgId, SessionId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use uuid::Uuid;

/// Appends `interaction` to session `session` of `user` in `org` (see the module docs).
pub(super) async fn append(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    session: SessionId,
    interaction: &NewInteraction,
) -> AppResult<Interaction> {
    if let Some(message_id) = &interaction.message_id
        && message_id.chars().count() > MAX_MESSAGE_ID
    {
        return Err(AppError::invalid_field(
            "message_id",
            "too_long",
            format!("message_id must be at most {MAX_MESSAGE_ID} characters"),
        ));
    }
    if db.get_database_backend() == DbBackend::Postgres {
        return append_in_one_statement(db, org, user, session, interaction).await;
    }
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .map_err(db_error)?;
    let at = now();
    let counted = sessions::Entity::update_many()
        .col_expr(
            sessions::Column::InteractionCount,
            Expr::col(sessions::Column::InteractionCount).add(1),
        )
        .col_expr(sessions::Column::UpdatedAt, Expr::val(at))
        .filter(sessions::Column::Id.eq(session.as_uuid()))
        .filter(sessions::Column::OrgId.eq(org.as_uuid()))
        .filter(sessions::Column::UserId.eq(user.as_uuid()))
        .filter(sessions::Column::State.eq(SessionState::Active.as_str()))
        .exec_with_returning(&txn)
        .await
        .map_err(db_error)?;
    let Some(counted) = counted.into_iter().next() else {
        // Missing, someone else's, or ended: the read says which.
        let current = owned_row(&txn, org, user, session).await;
        txn.rollback().await.map_err(db_error)?;
        current?;
        return Err(ended());
    };
    let row = ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(counted.id),
        org_id: Set(counted.org_id),
        user_id: Set(Some(counted.user_id)),
        role: Set(interaction.role.as_str().to_owned()),
        message_id: Set(interaction.message_id.clone()),
        input_type: Set(interaction.input_type.as_str().to_owned()),
        content: Set(Some(interaction.content.clone())),
        transcript: Set(None),
        audio_url: Set(None),
        audio_duration_ms: Set(interaction
            .audio_duration_ms
            .map(|ms| i32::try_from(ms).unwrap_or(i32::MAX))),
        llm_provider_call_id: Set(interaction.llm_provider_call_id),
        stt_provider_call_id: Set(None),
        tts_provider_call_id: Set(None),
        sequence_number: Set(counted.interaction_count),
        metadata: Set(Some(interaction.metadata.clone())),
        created_at: Set(at),
    };
    match Entity::insert(row).exec_with_returning(&txn).await {
        Ok(row) => {
            txn.commit().await.map_err(db_error)?;
            to_interaction(row)
        }
        Err(err) => {
            // Gives the sequence number back.
            txn.rollback().await.map_err(db_error)?;
            Err(duplicate_or(db_error(err), interaction))
        }
    }
}

/// PostgreSQL: the increment and the insert in one statement (one round trip instead of
/// four). A statement is atomic: a failed insert undoes the increment. Concurrent appends to a
/// session queue on the session row's lock, and the second re-reads the incremented count.
async fn append_in_one_statement(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    session: SessionId,
    interaction: &NewInteraction,
) -> AppResult<Interaction> {
    const SQL: &str = r#"
        WITH counted AS (
            UPDATE sessions
               SET interaction_count = interaction_count + 1, updated_at = $1
             WHERE id = $2 AND org_id = $3 AND user_id = $4 AND state = 'active'
         RETURNING id, org_id, user_id, interaction_count
        )
        INSERT INTO interactions (
            id, session_id, org_id, user_id, role, message_id, input_type, content,
            llm_provider_call_id, sequence_number, metadata, created_at
        )
        SELECT $5, counted.id, counted.org_id, counted.user_id, $6, $7, $8, $9, $10,
               counted.interaction_count, $11, $1
          FROM counted
        RETURNING *"#;
    let at = now();
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        SQL,
        [
            at.into(),
            session.as_uuid().into(),
            org.as_uuid().into(),
            user.as_uuid().into(),
            Uuid::now_v7().into(),
            interaction.role.as_str().into(),
            interaction.message_id.clone().into(),
            interaction.input_type.as_str().into(),
            interaction.content.clone().into(),
            interaction.llm_provider_call_id.into(),
            sea_orm::Value::Json(Some(Box::new(interaction.metadata.clone()))),
        ],
    );
    match Entity::find().from_raw_sql(statement).one(db).await {
        Ok(Some(row)) => to_interaction(row),
        Ok(None) => {
            // Missing, someone else's, or ended: the read says which.
            owned_row(db, org, user, session).await?;
            Err(ended())
        }
        Err(err) => Err(duplicate_or(db_error(err), interaction)),
    }
}

/// The error of an append to an ended session.
fn ended() -> AppError {
    AppError::InvalidState {
        message: "the session has ended; it takes no more messages".to_owned(),
    }
}

/// A unique violation on append, in words: the session already holds this client message.
fn duplicate_or(error: AppError, interaction: &NewInteraction) -> AppError {
    match error {
        AppError::Conflict { .. } => AppError::Conflict {
            message: format!(
                "the session already holds a {} message with message_id {:?}",
                interaction.role.as_str(),
                interaction.message_id.as_deref().unwrap_or_default()
            ),
        },
        other => other,
    }
}

/// The interactions of session `session` in `org`.
fn of_session(org: OrgId, session: SessionId) -> Select<Entity> {
    Entity::find()
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::SessionId.eq(session.as_uuid()))
}

/// The message of `role` with the client's `message_id` in the session.
pub(super) async fn find_message(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
    role: InteractionRole,
    message_id: &str,
) -> AppResult<Option<Interaction>> {
    of_session(org, session)
        .filter(Column::Role.eq(role.as_str()))
        .filter(Column::MessageId.eq(message_id))
        .one(db)
        .await
        .map_err(db_error)?
        .map(to_interaction)
        .transpose()
}

/// Writes the transcript of the voice message `interaction` of `org`'s `session`.
pub(super) async fn record_transcript(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
    interaction: InteractionId,
    heard: &HeardSpeech,
) -> AppResult<Interaction> {
    let changes = ActiveModel {
        content: Set(Some(heard.transcript.clone())),
        transcript: Set(Some(heard.transcript.clone())),
        audio_duration_ms: Set(heard
            .audio_duration_ms
            .map(|ms| i32::try_from(ms).unwrap_or(i32::MAX))),
        stt_provider_call_id: Set(heard.stt_provider_call_id),
        ..ActiveModel::default()
    };
    let updated = Entity::update_many()
        .set(changes)
        .filter(Column::Id.eq(interaction.as_uuid()))
        .filter(Column::SessionId.eq(session.as_uuid()))
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::InputType.eq(InputType::Voice.as_str()))
        .exec_with_returning(db)
        .await
        .map_err(db_error)?;
    match updated.into_iter().next() {
        Some(row) => to_interaction(row),
        None => Err(AppError::not_found(Resource::Interaction, interaction)),
    }
}

/// One page of the interactions of `user`'s session, by sequence number (the caller has
/// checked that the session is `user`'s).
pub(super) async fn page(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    session: SessionId,
    page: PageQuery,
) -> AppResult<Page<Interaction>> {
    let select = of_session(org, session).filter(Column::UserId.eq(user.as_uuid()));
    let total = select.clone().count(db).await.map_err(db_error)?;
    let rows = if page.offset >= total {
        Vec::new()
    } else {
        select
            .order_by_asc(Column::SequenceNumber)
            .limit(page.limit)
            .offset(page.offset)
            .all(db)
            .await
            .map_err(db_error)?
    };
    Ok(Page {
        items: rows
            .into_iter()
            .map(to_interaction)
            .collect::<AppResult<_>>()?,
        total,
        limit: page.limit,
        offset: page.offset,
    })
}

/// The last `limit` interactions of the session, oldest first.
pub(super) async fn recent(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
    limit: u64,
) -> AppResult<Vec<Interaction>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut rows = of_session(org, session)
        .order_by_desc(Column::SequenceNumber)
        .limit(limit)
        .all(db)
        .await
        .map_err(db_error)?;
    rows.reverse();
    rows.into_iter().map(to_interaction).collect()
}

/// The interactions numbered `after + 1 ..= through` (to the end for `None`), oldest first.
pub(super) async fn between(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
    after: u32,
    through: Option<u32>,
) -> AppResult<Vec<Interaction>> {
    let mut select = of_session(org, session).filter(Column::SequenceNumber.gt(i64::from(after)));
    if let Some(through) = through {
        select = select.filter(Column::SequenceNumber.lte(i64::from(through)));
    }
    select
        .order_by_asc(Column::SequenceNumber)
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_interaction)
        .collect()
}

/// The domain interaction of a row.
pub(crate) fn to_interaction(row: Model) -> AppResult<Interaction> {
    let role = InteractionRole::from_column(&row.role).ok_or_else(|| {
        AppError::internal(format!(
            "interactions.role of {} is unknown: {:?}",
            row.id, row.role
        ))
    })?;
    let input_type = InputType::from_column(&row.input_type).ok_or_else(|| {
        AppError::internal(format!(
            "interactions.input_type of {} is unknown: {:?}",
            row.id, row.input_type
        ))
    })?;
    Ok(Interaction {
        id: InteractionId(row.id),
        session_id: SessionId(row.session_id),
        role,
        message_id: row.message_id,
        input_type,
        content: row.content.unwrap_or_default(),
        transcript: row.transcript,
        audio_duration_ms: row.audio_duration_ms.and_then(|ms| u32::try_from(ms).ok()),
        llm_provider_call_id: row.llm_provider_call_id,
        stt_provider_call_id: row.stt_provider_call_id,
        sequence_number: count(row.sequence_number),
        metadata: object(row.metadata),
        created_at: row.created_at,
    })
}
