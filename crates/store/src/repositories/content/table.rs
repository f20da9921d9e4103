//! [`ContentTable`]: one implementation of the content ports for every content table.
//!
//! A table plugs in by implementing [`ContentEntity`] (its columns, search fields, filters and
//! row mapping) and [`EditableEntity`] or [`VersionedEntity`]. Every statement filters on the
//! organization; writes with an expected timestamp add `updated_at = expected` to their
//! `WHERE`, so a concurrent writer makes them match nothing instead of overwriting.

use crate::error::db_error;
use crate::repositories::{later_than, now};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hellosales_domain::content::{
    Editable, Generation, ListQuery, Page, Record, SortOrder, Versioned,
};
use hellosales_domain::ports::{EditableStore, VersionedStore};
use hellosales_domain::{AppError, AppResult, OrgId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select, Statement, Value,
};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use uuid::Uuid;

/// How a content table maps to its domain record.
pub trait ContentEntity: EntityTrait + Default
where
    Self::Model: IntoActiveModel<Self::ActiveModel> + Sync,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send,
{
    /// The domain record of a row.
    type Record: Record;
    /// `id`.
    const ID: Self::Column;
    /// `org_id`.
    const ORG: Self::Column;
    /// `created_at`.
    const CREATED_AT: Self::Column;
    /// `updated_at`.
    const UPDATED_AT: Self::Column;
    /// The columns `q` searches (case-insensitively).
    const SEARCH: &'static [Self::Column];

    /// The column of a sort field (one of `Record::SORTABLE`).
    fn sort_column(field: &str) -> Self::Column;
    /// Adds the list filters.
    fn filter(select: Select<Self>, filter: &<Self::Record as Record>::Filter) -> Select<Self>;
    /// The record of a row.
    fn record(row: Self::Model) -> AppResult<Self::Record>;
    /// The UUID of a record id.
    fn uuid(id: <Self::Record as Record>::Id) -> Uuid;
}

/// A table of records edited in place.
pub trait EditableEntity: ContentEntity
where
    Self::Model: IntoActiveModel<Self::ActiveModel> + Sync,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send,
    Self::Record: Editable,
{
    /// Sets every content column of `row` from `fields`.
    fn write(fields: &<Self::Record as Record>::Fields, row: &mut Self::ActiveModel);
}

/// A table of versioned documents.
pub trait VersionedEntity: ContentEntity
where
    Self::Model: IntoActiveModel<Self::ActiveModel> + Sync,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send,
    Self::Record: Versioned,
{
    /// `parent_*_id`.
    const PARENT: Self::Column;
    /// `product_id`.
    const PRODUCT: Self::Column;
    /// `client_id`.
    const CLIENT: Self::Column;
    /// `version`.
    const VERSION: Self::Column;
    /// `is_active`.
    const ACTIVE: Self::Column;

    /// Sets every content and generation column of `row`.
    fn write(
        fields: &<Self::Record as Record>::Fields,
        generation: &Generation,
        row: &mut Self::ActiveModel,
    );
    /// The parent id of a record.
    fn parent(record: &Self::Record) -> Option<Uuid>;
}

/// The list filters shared by every versioned table, in column terms.
pub(crate) struct VersionFilter<'a, C> {
    pub(crate) is_active: Option<bool>,
    pub(crate) product_id: Option<Uuid>,
    pub(crate) client_id: Option<Uuid>,
    pub(crate) kind: Option<(C, &'a str)>,
    pub(crate) latest_only: bool,
}

/// The content rows of table `E`, for any organization. Cheap to clone.
pub struct ContentTable<E> {
    db: DatabaseConnection,
    /// `SELECT <every column> … WHERE org_id = ? AND id = ?` (`id` is the primary key: one row
    /// at most) in the connection's dialect, built once: the single-record read is the hottest
    /// statement, and building it (an expression tree per column) cost more of our CPU than
    /// running it. `new` checks (in debug builds) that it binds the organization, then the id.
    find_sql: Arc<str>,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for ContentTable<E> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            find_sql: Arc::clone(&self.find_sql),
            entity: PhantomData,
        }
    }
}

impl<E: EntityTrait + Default> fmt::Debug for ContentTable<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContentTable")
            .field("table", &E::default().table_name())
            .finish_non_exhaustive()
    }
}

impl<E> ContentTable<E>
where
    E: ContentEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    /// The table on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        // The values are placeholders; `find` binds the organization, then the id, in the
        // order `one` filters on them (and only them: no LIMIT, which would be a third).
        let (org, id) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let built = Self::one(OrgId(org), id).build(db.get_database_backend());
        debug_assert_eq!(
            built.values.map(|values| values.0),
            Some(vec![Value::from(org), Value::from(id)]),
            "find binds the organization, then the id"
        );
        let find_sql = built.sql.into();
        Self {
            db,
            find_sql,
            entity: PhantomData,
        }
    }
}

/// The most versions a lineage walk follows: parents are set once, at insert, to existing rows,
/// so a lineage has no cycle; the bound keeps a corrupted table from looping a request.
const MAX_LINEAGE: usize = 10_000;

fn too_long() -> AppError {
    AppError::internal(format!(
        "a version lineage is longer than {MAX_LINEAGE} versions (a parent cycle?)"
    ))
}

/// `%text%` with the LIKE wildcards of `text` escaped (by `\`), lower-cased.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl<E> ContentTable<E>
where
    E: ContentEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    fn scoped(org: OrgId) -> Select<E> {
        E::find().filter(E::ORG.eq(org.as_uuid()))
    }

    fn one(org: OrgId, id: Uuid) -> Select<E> {
        Self::scoped(org).filter(E::ID.eq(id))
    }

    async fn find(&self, org: OrgId, id: Uuid) -> AppResult<Option<E::Model>> {
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            &*self.find_sql,
            [org.as_uuid().into(), id.into()],
        );
        E::find()
            .from_raw_sql(statement)
            .one(&self.db)
            .await
            .map_err(db_error)
    }

    async fn fetch(&self, org: OrgId, id: <E::Record as Record>::Id) -> AppResult<E::Record> {
        let row = self
            .find(org, E::uuid(id))
            .await?
            .ok_or_else(|| AppError::not_found(<E::Record as Record>::RESOURCE, id))?;
        E::record(row)
    }

    async fn page(&self, select: Select<E>, query: &ListQuery) -> AppResult<Page<E::Record>> {
        let mut select = select;
        if let Some(q) = &query.q {
            let pattern = like_pattern(q);
            let mut any = Condition::any();
            for column in E::SEARCH {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col((E::default(), *column))))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            select = select.filter(any);
        }
        let total = select.clone().count(&self.db).await.map_err(db_error)?;
        let SortOrder { field, descending } = query.sort;
        let order = if descending { Order::Desc } else { Order::Asc };
        let rows = if query.offset >= total {
            Vec::new()
        } else {
            select
                .order_by(E::sort_column(field), order.clone())
                .order_by(E::ID, order)
                .limit(query.limit)
                .offset(query.offset)
                .all(&self.db)
                .await
                .map_err(db_error)?
        };
        Ok(Page {
            items: rows.into_iter().map(E::record).collect::<AppResult<_>>()?,
            total,
            limit: query.limit,
            offset: query.offset,
        })
    }

    /// `UPDATE … SET row WHERE org AND id AND updated_at = expected RETURNING *`.
    async fn swap(
        &self,
        org: OrgId,
        id: Uuid,
        mut row: E::ActiveModel,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<E::Record>> {
        row.set(E::UPDATED_AT, Value::from(later_than(expected)));
        let updated = E::update_many()
            .set(row)
            .filter(E::ORG.eq(org.as_uuid()))
            .filter(E::ID.eq(id))
            .filter(E::UPDATED_AT.eq(expected))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        updated.into_iter().next().map(E::record).transpose()
    }

    /// A new row with its id, organization and timestamps set.
    fn new_row(org: OrgId) -> E::ActiveModel {
        let id = Uuid::now_v7();
        let at = now();
        let mut row = <E::ActiveModel as ActiveModelTrait>::default();
        row.set(E::ID, Value::from(id));
        row.set(E::ORG, Value::from(org.as_uuid()));
        row.set(E::CREATED_AT, Value::from(at));
        row.set(E::UPDATED_AT, Value::from(at));
        row
    }

    /// `INSERT … RETURNING *`: one round trip (both backends support `RETURNING`).
    async fn insert_row(&self, row: E::ActiveModel) -> AppResult<E::Record> {
        let row = E::insert(row)
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        E::record(row)
    }
}

#[async_trait]
impl<E> EditableStore<E::Record> for ContentTable<E>
where
    E: EditableEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Record: Editable,
{
    async fn insert(
        &self,
        org: OrgId,
        fields: &<E::Record as Record>::Fields,
    ) -> AppResult<E::Record> {
        let mut row = Self::new_row(org);
        E::write(fields, &mut row);
        self.insert_row(row).await
    }

    async fn get(&self, org: OrgId, id: <E::Record as Record>::Id) -> AppResult<E::Record> {
        self.fetch(org, id).await
    }

    async fn exists(&self, org: OrgId, id: <E::Record as Record>::Id) -> AppResult<bool> {
        let count = Self::one(org, E::uuid(id))
            .count(&self.db)
            .await
            .map_err(db_error)?;
        Ok(count > 0)
    }

    async fn list(
        &self,
        org: OrgId,
        filter: &<E::Record as Record>::Filter,
        query: &ListQuery,
    ) -> AppResult<Page<E::Record>> {
        self.page(E::filter(Self::scoped(org), filter), query).await
    }

    async fn update(
        &self,
        org: OrgId,
        id: <E::Record as Record>::Id,
        fields: &<E::Record as Record>::Fields,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<E::Record>> {
        let mut row = <E::ActiveModel as ActiveModelTrait>::default();
        E::write(fields, &mut row);
        self.swap(org, E::uuid(id), row, expected).await
    }

    async fn delete(
        &self,
        org: OrgId,
        id: <E::Record as Record>::Id,
        expected: DateTime<Utc>,
    ) -> AppResult<bool> {
        let result = E::delete_many()
            .filter(E::ORG.eq(org.as_uuid()))
            .filter(E::ID.eq(E::uuid(id)))
            .filter(E::UPDATED_AT.eq(expected))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(result.rows_affected > 0)
    }
}

impl<E> ContentTable<E>
where
    E: VersionedEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Record: Versioned,
{
    /// Adds the filters every versioned list has: active state, product, client, type
    /// (`kind`: the type column and the wanted value) and `latest_only`.
    pub(crate) fn filter_versions(
        mut select: Select<E>,
        filter: VersionFilter<'_, E::Column>,
    ) -> Select<E> {
        if let Some(active) = filter.is_active {
            select = select.filter(E::ACTIVE.eq(active));
        }
        if let Some(product) = filter.product_id {
            select = select.filter(E::PRODUCT.eq(product));
        }
        if let Some(client) = filter.client_id {
            select = select.filter(E::CLIENT.eq(client));
        }
        if let Some((column, kind)) = filter.kind {
            select = select.filter(column.eq(kind));
        }
        if filter.latest_only {
            select = select.filter(Self::is_latest());
        }
        select
    }

    /// The condition "no version was made from this row" (for `latest_only`, and for the
    /// versions a search may see).
    pub(crate) fn is_latest() -> Condition {
        let successor = Alias::new("successor");
        Condition::all().add(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as(E::default(), successor.clone())
                    .and_where(Expr::col((successor, E::PARENT)).equals((E::default(), E::ID)))
                    .take(),
            )
            .not(),
        )
    }

    async fn successor_row(&self, org: OrgId, id: Uuid) -> AppResult<Option<E::Model>> {
        Self::scoped(org)
            .filter(E::PARENT.eq(id))
            .one(&self.db)
            .await
            .map_err(db_error)
    }
}

#[async_trait]
impl<E> VersionedStore<E::Record> for ContentTable<E>
where
    E: VersionedEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Record: Versioned,
{
    async fn insert(
        &self,
        org: OrgId,
        fields: &<E::Record as Record>::Fields,
        generation: &Generation,
        parent: Option<&E::Record>,
    ) -> AppResult<E::Record> {
        let mut row = Self::new_row(org);
        E::write(fields, generation, &mut row);
        let (version, parent_id) = match parent {
            Some(parent) => (parent.version() + 1, Some(E::uuid(parent.id()))),
            None => (1, None),
        };
        row.set(E::VERSION, Value::from(version));
        row.set(E::PARENT, Value::from(parent_id));
        row.set(E::ACTIVE, Value::from(true));
        self.insert_row(row).await
    }

    async fn get(&self, org: OrgId, id: <E::Record as Record>::Id) -> AppResult<E::Record> {
        self.fetch(org, id).await
    }

    async fn successor(
        &self,
        org: OrgId,
        id: <E::Record as Record>::Id,
    ) -> AppResult<Option<E::Record>> {
        self.successor_row(org, E::uuid(id))
            .await?
            .map(E::record)
            .transpose()
    }

    async fn lineage(
        &self,
        org: OrgId,
        id: <E::Record as Record>::Id,
    ) -> AppResult<Vec<E::Record>> {
        let start = self.fetch(org, id).await?;
        let mut older = Vec::new();
        let mut cursor = E::parent(&start);
        while let Some(parent) = cursor {
            if older.len() >= MAX_LINEAGE {
                return Err(too_long());
            }
            let Some(row) = self.find(org, parent).await? else {
                break;
            };
            let record = E::record(row)?;
            cursor = E::parent(&record);
            older.push(record);
        }
        older.reverse();
        let mut lineage = older;
        let mut next = self.successor_row(org, E::uuid(start.id())).await?;
        lineage.push(start);
        while let Some(row) = next {
            if lineage.len() >= MAX_LINEAGE {
                return Err(too_long());
            }
            let record = E::record(row)?;
            next = self.successor_row(org, E::uuid(record.id())).await?;
            lineage.push(record);
        }
        Ok(lineage)
    }

    async fn list(
        &self,
        org: OrgId,
        filter: &<E::Record as Record>::Filter,
        query: &ListQuery,
    ) -> AppResult<Page<E::Record>> {
        self.page(E::filter(Self::scoped(org), filter), query).await
    }

    async fn set_active(
        &self,
        org: OrgId,
        id: <E::Record as Record>::Id,
        active: bool,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<E::Record>> {
        let mut row = <E::ActiveModel as ActiveModelTrait>::default();
        row.set(E::ACTIVE, Value::from(active));
        self.swap(org, E::uuid(id), row, expected).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
