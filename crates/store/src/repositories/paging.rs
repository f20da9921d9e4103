//! [`newest_first`]: one page of a query, newest first, with the total of matching rows.

use crate::error::db_error;
use hellosales_domain::AppResult;
use hellosales_domain::content::PageQuery;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect, Select};

/// `select` narrowed to `page`, ordered by `order` (a time, then the id as a tie-break), both
/// descending, with the total of matching rows; no second query past the end.
pub(crate) async fn newest_first<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    order: [E::Column; 2],
    page: PageQuery,
) -> AppResult<(Vec<E::Model>, u64)>
where
    E::Model: Sync,
{
    let total = select.clone().count(db).await.map_err(db_error)?;
    let [at, id] = order;
    let rows = if page.offset >= total {
        Vec::new()
    } else {
        select
            .order_by_desc(at)
            .order_by_desc(id)
            .limit(page.limit)
            .offset(page.offset)
            .all(db)
            .await
            .map_err(db_error)?
    };
    Ok((rows, total))
}
