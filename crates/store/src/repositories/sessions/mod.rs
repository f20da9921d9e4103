//! [`Sessions`]: the `sessions`, `interactions`, `session_summaries` and `summary_states` rows,
//! through the [`SessionStore`] port.
//!
//! This module holds the sessions themselves (create, read, list, end, cost) and the mapping
//! helpers shared by its parts; the messages live in `interactions`, the rolling summaries and
//! their cadence in `summaries`.
//!
//! Every statement filters on the organization, and on the user where the method takes one: a
//! session of another organization or user is `SESSION_NOT_FOUND`, like a missing one. The
//! methods that take no user (called by the server on behalf of a session it already checked)
//! scope by organization only; those that read (`find_message`, `recent_interactions`,
//! `interactions_between`, `latest_summary`) answer nothing for an unknown session, those that
//! write (`add_cost`, `record_turn`, `save_summary`) answer `SESSION_NOT_FOUND`.

mod interactions;
mod summaries;

pub(crate) use interactions::to_interaction;

use crate::entities::sessions::{ActiveModel, Column, Entity, Model};
use crate::error::db_error;
use crate::repositories::now;
use crate::repositories::paging::newest_first;
use async_trait::async_trait;
use hellosales_domain::content::{Page, PageQuery};
use hellosales_domain::error::Resource;
use hellosales_domain::ports::SessionStore;
use hellosales_domain::sessions::{
    HeardSpeech, Interaction, InteractionRole, NewInteraction, NewSession, NewSummary, Session,
    SessionState, SessionSummary, SessionType, SummaryState,
};
use hellosales_domain::{AppError, AppResult, InteractionId, OrgId, SessionId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Select,
};
use serde_json::Value;
use uuid::Uuid;

/// The largest cost whose rounded-up cents still fit the `INTEGER` column:
/// `i32::MAX` cents in micro-USD.
const MAX_CENTS_MICROS: i64 = i32::MAX as i64 * 10_000;

/// Sessions, their interactions and summaries, of any organization (every method takes the
/// organization). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Sessions {
    db: DatabaseConnection,
}

impl Sessions {
    /// The sessions on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, org: OrgId, user: UserId, session: &NewSession) -> AppResult<Session> {
        let at = now();
        let metadata = match &session.metadata {
            Value::Null => Value::Object(serde_json::Map::new()),
            metadata => metadata.clone(),
        };
        let row = ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.as_uuid()),
            org_id: Set(Some(org.as_uuid())),
            state: Set(SessionState::Active.as_str().to_owned()),
            started_at: Set(at),
            ended_at: Set(None),
            interaction_count: Set(0),
            total_cost_cents: Set(0),
            total_cost_usd_micros: Set(0),
            duration_ms: Set(None),
            session_type: Set(Some(session.session_type.as_str().to_owned())),
            metadata: Set(Some(metadata)),
            created_at: Set(at),
            updated_at: Set(at),
        };
        let row = Entity::insert(row)
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        to_session(row)
    }

    async fn get(&self, org: OrgId, user: UserId, id: SessionId) -> AppResult<Session> {
        to_session(owned_row(&self.db, org, user, id).await?)
    }

    async fn list(&self, org: OrgId, user: UserId, page: PageQuery) -> AppResult<Page<Session>> {
        let select = owned(org, user);
        let (rows, total) =
            newest_first(&self.db, select, [Column::CreatedAt, Column::Id], page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_session).collect::<AppResult<_>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn end(&self, org: OrgId, user: UserId, id: SessionId) -> AppResult<Session> {
        let current = owned_row(&self.db, org, user, id).await?;
        if current.state != SessionState::Active.as_str() {
            return to_session(current);
        }
        let at = now();
        let duration = Ord::max((at - current.started_at).num_milliseconds(), 0);
        let changes = ActiveModel {
            state: Set(SessionState::Ended.as_str().to_owned()),
            ended_at: Set(Some(at)),
            duration_ms: Set(Some(i32::try_from(duration).unwrap_or(i32::MAX))),
            updated_at: Set(at),
            ..ActiveModel::default()
        };
        let ended = owned_update(org, user, id)
            .set(changes)
            .filter(Column::State.eq(SessionState::Active.as_str()))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        match ended.into_iter().next() {
            Some(row) => to_session(row),
            // Ended (or deleted) by a concurrent call since it was read.
            None => to_session(owned_row(&self.db, org, user, id).await?),
        }
    }

    async fn append(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        interaction: &NewInteraction,
    ) -> AppResult<Interaction> {
        interactions::append(&self.db, org, user, session, interaction).await
    }

    async fn record_transcript(
        &self,
        org: OrgId,
        session: SessionId,
        interaction: InteractionId,
        heard: &HeardSpeech,
    ) -> AppResult<Interaction> {
        interactions::record_transcript(&self.db, org, session, interaction, heard).await
    }

    async fn find_message(
        &self,
        org: OrgId,
        session: SessionId,
        role: InteractionRole,
        message_id: &str,
    ) -> AppResult<Option<Interaction>> {
        interactions::find_message(&self.db, org, session, role, message_id).await
    }

    async fn interactions(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        page: PageQuery,
    ) -> AppResult<Page<Interaction>> {
        owned_row(&self.db, org, user, session).await?;
        interactions::page(&self.db, org, user, session, page).await
    }

    async fn recent_interactions(
        &self,
        org: OrgId,
        session: SessionId,
        limit: u64,
    ) -> AppResult<Vec<Interaction>> {
        interactions::recent(&self.db, org, session, limit).await
    }

    async fn interactions_between(
        &self,
        org: OrgId,
        session: SessionId,
        after: u32,
        through: Option<u32>,
    ) -> AppResult<Vec<Interaction>> {
        interactions::between(&self.db, org, session, after, through).await
    }

    async fn add_cost(&self, org: OrgId, session: SessionId, usd_micros: i64) -> AppResult<()> {
        let micros = Expr::col(Column::TotalCostUsdMicros).add(usd_micros);
        // Rounded up like `cents_rounded_up`, clamped to the INTEGER column. Both assignments
        // read the old `total_cost_usd_micros` (SQL evaluates every SET before assigning).
        let cents = Expr::case(micros.clone().lte(0i64), Expr::val(0i64))
            .case(
                micros.clone().gt(MAX_CENTS_MICROS),
                Expr::val(i64::from(i32::MAX)),
            )
            .finally(micros.clone().add(9_999i64).div(10_000i64));
        let result = Entity::update_many()
            .col_expr(Column::TotalCostUsdMicros, micros)
            .col_expr(Column::TotalCostCents, cents.into())
            .filter(Column::Id.eq(session.as_uuid()))
            .filter(Column::OrgId.eq(org.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        if result.rows_affected == 0 {
            return Err(not_found(session));
        }
        Ok(())
    }

    async fn latest_summary(
        &self,
        org: OrgId,
        session: SessionId,
    ) -> AppResult<Option<SessionSummary>> {
        summaries::latest(&self.db, org, session).await
    }

    async fn record_turn(&self, org: OrgId, session: SessionId) -> AppResult<SummaryState> {
        summaries::record_turn(&self.db, org, session).await
    }

    async fn save_summary(
        &self,
        org: OrgId,
        session: SessionId,
        expected_version: u32,
        summary: &NewSummary,
    ) -> AppResult<Option<SessionSummary>> {
        summaries::save(&self.db, org, session, expected_version, summary).await
    }
}

/// The sessions of `user` in `org`.
fn owned(org: OrgId, user: UserId) -> Select<Entity> {
    Entity::find()
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::UserId.eq(user.as_uuid()))
}

/// An update of session `id` of `user` in `org`.
fn owned_update(org: OrgId, user: UserId, id: SessionId) -> sea_orm::UpdateMany<Entity> {
    Entity::update_many()
        .filter(Column::Id.eq(id.as_uuid()))
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::UserId.eq(user.as_uuid()))
}

/// The row of session `id` of `user` in `org`.
///
/// # Errors
/// `SESSION_NOT_FOUND` when there is none.
async fn owned_row(
    conn: &impl ConnectionTrait,
    org: OrgId,
    user: UserId,
    id: SessionId,
) -> AppResult<Model> {
    owned(org, user)
        .filter(Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or_else(|| not_found(id))
}

/// Checks that session `id` belongs to `org` (whatever its user).
///
/// # Errors
/// `SESSION_NOT_FOUND` when it does not.
async fn ensure_in_org(conn: &impl ConnectionTrait, org: OrgId, id: SessionId) -> AppResult<()> {
    let found = Entity::find()
        .filter(Column::Id.eq(id.as_uuid()))
        .filter(Column::OrgId.eq(org.as_uuid()))
        .count(conn)
        .await
        .map_err(db_error)?;
    if found == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

fn not_found(id: SessionId) -> AppError {
    AppError::not_found(Resource::Session, id)
}

/// A count or sequence number read from an `INTEGER` column (a negative value, which the
/// store never writes, reads as 0).
fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// A count or sequence number as the `INTEGER` columns store it (saturating).
fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// A JSON object column read back: `NULL` is `{}`.
fn object(value: Option<Value>) -> Value {
    match value {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(value) => value,
    }
}

/// The domain session of a row.
fn to_session(row: Model) -> AppResult<Session> {
    let state = SessionState::from_column(&row.state).ok_or_else(|| {
        AppError::internal(format!(
            "sessions.state of {} is unknown: {:?}",
            row.id, row.state
        ))
    })?;
    let session_type = match row.session_type.as_deref() {
        None => SessionType::default(),
        Some(value) => SessionType::from_column(value).ok_or_else(|| {
            AppError::internal(format!(
                "sessions.session_type of {} is unknown: {value:?}",
                row.id
            ))
        })?,
    };
    let org_id = row
        .org_id
        .ok_or_else(|| AppError::internal(format!("sessions.org_id of {} is NULL", row.id)))?;
    Ok(Session {
        id: SessionId(row.id),
        org_id: OrgId(org_id),
        user_id: UserId(row.user_id),
        state,
        session_type,
        metadata: object(row.metadata),
        interaction_count: count(row.interaction_count),
        total_cost_usd_micros: row.total_cost_usd_micros,
        total_cost_cents: i64::from(row.total_cost_cents),
        started_at: row.started_at,
        ended_at: row.ended_at,
        duration_ms: row.duration_ms.map(i64::from),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_columns_saturate_and_clamp() {
        assert_eq!(count(7), 7);
        assert_eq!(count(-1), 0);
        assert_eq!(int(7), 7);
        assert_eq!(int(u32::MAX), i32::MAX);
    }

    #[test]
    fn the_cents_cap_is_the_largest_cost_that_fits() {
        assert_eq!(
            hellosales_domain::sessions::cents_rounded_up(MAX_CENTS_MICROS),
            i64::from(i32::MAX)
        );
        assert_eq!(
            hellosales_domain::sessions::cents_rounded_up(MAX_CENTS_MICROS + 1),
            i64::from(i32::MAX) + 1
        );
    }

    #[test]
    fn null_metadata_reads_as_an_empty_object() {
        assert_eq!(object(None), serde_json::json!({}));
        assert_eq!(object(Some(Value::Null)), serde_json::json!({}));
        assert_eq!(
            object(Some(serde_json::json!({"a": 1}))),
            serde_json::json!({"a": 1})
        );
    }
}
