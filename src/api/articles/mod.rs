//! Articles: `/api/v1/articles`. The public reads what is published (or scheduled and due);
//! editors and admins draft, schedule, publish, rename and archive with a token. One file per
//! concern: the representation, the list, one article, the writes, and the feeds' query.

pub mod feed;
pub mod list;
pub mod page;
pub mod representation;
pub mod show;
pub mod write;
