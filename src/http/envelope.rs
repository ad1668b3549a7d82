//! The envelopes of API.md: `{"data": …}` for one item, `{"data": […], "meta": …}` for a page.

use serde::Serialize;
use utoipa::ToSchema;

/// One item.
#[derive(Debug, Serialize, ToSchema)]
pub struct Item<T> {
    pub data: T,
}

impl<T> Item<T> {
    pub fn new(data: T) -> Self {
        Self { data }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

/// Where a page stands in its list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// The page size used.
    pub limit: u32,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many items the whole list has.
    pub total: i64,
    /// Only on a search (`q`) that found nothing: the same words with each unknown one replaced
    /// by the nearest word of an article title ("did you mean"), when that finds articles.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "oxygenator")]
    pub suggestion: Option<String>,
}
