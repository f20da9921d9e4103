//! Listing: pagination, case-insensitive text search and sorting, shared by every content
//! list, and the [`Page`] that lists answer.

use super::validate::Checks;
use crate::error::AppResult;
use serde::{Deserialize, Serialize};

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 20;
/// The most items a page may hold.
pub const MAX_LIMIT: u64 = 100;
/// The longest search text, in characters.
const MAX_QUERY: usize = 200;

/// The pagination, search and sort parameters of a list request, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u64>,
    /// Items to skip (default 0). Past the end, the page is empty.
    pub offset: Option<u64>,
    /// Case-insensitive text to find in the name and descriptive text.
    pub q: Option<String>,
    /// Sort field, `-` for descending (default `-created_at`), e.g. `name`, `-updated_at`.
    pub sort: Option<String>,
}

/// How a list is ordered. Ties are broken by id, so pages never overlap or skip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortOrder {
    /// The field (one of those the resource allows).
    pub field: &'static str,
    /// Descending when true.
    pub descending: bool,
}

/// A validated list request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// Items per page (1 to [`MAX_LIMIT`]).
    pub limit: u64,
    /// Items skipped.
    pub offset: u64,
    /// Text to search for, trimmed, never blank.
    pub q: Option<String>,
    /// Order.
    pub sort: SortOrder,
}

impl ListParams {
    /// Validates the parameters; `sortable` lists the fields the resource sorts by.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` naming each bad parameter (`limit` out of range, unknown `sort`).
    pub fn validate(self, sortable: &[&'static str]) -> AppResult<ListQuery> {
        let mut checks = Checks::default();
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            checks.fail(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            );
        }
        let mut q = self.q;
        checks.optional("q", &mut q, MAX_QUERY);
        let sort_text = self.sort.unwrap_or_else(|| "-created_at".to_owned());
        let (descending, name) = match sort_text.trim().strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, sort_text.trim().trim_start_matches('+')),
        };
        let field = sortable.iter().copied().find(|field| *field == name);
        if field.is_none() {
            checks.fail(
                "sort",
                "unknown_variant",
                format!(
                    "sort must be one of: {} (prefix - for descending)",
                    sortable.join(", ")
                ),
            );
        }
        checks.finish()?;
        Ok(ListQuery {
            limit,
            offset: self.offset.unwrap_or(0),
            q,
            sort: SortOrder {
                field: field.unwrap_or("created_at"),
                descending,
            },
        })
    }
}

/// The pagination of a list without search or sort (sessions, interactions), as sent.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u64>,
    /// Items to skip (default 0). Past the end, the page is empty.
    pub offset: Option<u64>,
}

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// Items per page (1 to [`MAX_LIMIT`]).
    pub limit: u64,
    /// Items skipped.
    pub offset: u64,
}

impl PageParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on `limit` when it is outside 1 to [`MAX_LIMIT`].
    pub fn validate(self) -> AppResult<PageQuery> {
        let mut checks = Checks::default();
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            checks.fail(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            );
        }
        checks.finish()?;
        Ok(PageQuery {
            limit,
            offset: self.offset.unwrap_or(0),
        })
    }
}

/// One page of a list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match, over all pages.
    pub total: u64,
    /// The page size asked for.
    pub limit: u64,
    /// Items skipped before this page.
    pub offset: u64,
}

impl<T> Page<T> {
    /// Converts the items, keeping the counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    const SORTABLE: &[&str] = &["created_at", "name"];

    fn params(limit: Option<u64>, sort: Option<&str>) -> ListParams {
        ListParams {
            limit,
            offset: None,
            q: Some("  ".into()),
            sort: sort.map(str::to_owned),
        }
    }

    #[test]
    fn defaults_and_sort_direction() {
        let query = params(None, None).validate(SORTABLE).ok();
        let Some(query) = query else { panic!("valid") };
        assert_eq!((query.limit, query.offset, query.q), (20, 0, None));
        assert_eq!(
            query.sort,
            SortOrder {
                field: "created_at",
                descending: true
            }
        );
        let by_name = params(Some(100), Some("name")).validate(SORTABLE).ok();
        assert_eq!(by_name.map(|q| q.sort.descending), Some(false));
    }

    #[test]
    fn bad_limits_and_sorts_name_their_parameter() {
        for (limit, sort, field) in [
            (Some(0), None, "limit"),
            (Some(101), None, "limit"),
            (None, Some("-password"), "sort"),
        ] {
            match params(limit, sort).validate(SORTABLE) {
                Err(AppError::Validation { fields, .. }) => assert_eq!(fields[0].field, field),
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
    }
}
