//! `GET /tags` (autocomplete) and `GET /tags/{tag}` (a story line's timeline).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};
use storyline_index::{SearchRequest, Sort};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// Tags whose name starts with `prefix` (matching keys: case and script folded), most used first.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::parse(raw.as_deref());
    let prefix = storyline_story::normalize_tag(params.get("prefix").unwrap_or_default());
    let limit = params.number("limit", 10, state.limits.max_limit, 1)?;
    state
        .read(move |live| {
            let tables = live.engine.tables();
            // (whether the key starts with the prefix, stories): a rank read without
            // reaching into the keys, which lie all over the heap
            let mut found: Vec<(bool, u32, &storyline_index::TagEntry)> = tables
                .tags
                .iter()
                .filter(|t| t.continues(&prefix))
                .map(|t| (t.key.starts_with(&prefix), t.stories, t))
                .collect();
            let rank = |x: &(bool, u32, &storyline_index::TagEntry)| (x.0, x.1);
            // the first `limit` by rank, then those ranked as the last of them: the first
            // `limit` in the whole order are among these (an empty prefix continues every tag,
            // so sorting them all would take seconds on a large archive)
            if found.len() > limit {
                found.select_nth_unstable_by(limit - 1, |a, b| rank(b).cmp(&rank(a)));
                let last = rank(&found[limit - 1]);
                let (first, rest) = found.split_at(limit);
                let mut chosen = first.to_vec();
                chosen.extend(rest.iter().filter(|x| rank(x) == last));
                found = chosen;
            }
            found.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.2.key.cmp(&b.2.key)));
            found.truncate(limit);
            let tags: Vec<Value> = found
                .iter()
                .map(|(_, _, t)| json!({ "tag": t.display, "key": t.key, "stories": t.stories }))
                .collect();
            Ok(Json(json!({ "tags": tags })))
        })
        .await
}

/// The stories of one tag in date order.
pub async fn timeline(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::parse(raw.as_deref());
    let limit = params.number("limit", 100, state.limits.max_limit, 1)?;
    let offset = params.number("offset", 0, state.limits.max_offset, 0)?;
    state
        .read(move |live| {
            let key = live.index.normalizer().key(&tag);
            let Some(id) = live.engine.tables().tag_id(&key) else {
                return Err(ApiError::not_found(format!("no tag {tag:?}")));
            };
            let entry = &live.engine.tables().tags[id as usize];
            let request = SearchRequest { tags: vec![tag.clone()], sort: Sort::Oldest, limit, offset, ..Default::default() };
            let results = live.index.search(&request)?;
            let stories: Vec<Value> = results
                .hits
                .iter()
                .map(|h| json!({ "id": h.id, "date": h.date, "title": h.title.text, "tags": h.tags }))
                .collect();
            Ok(Json(json!({ "tag": entry.display, "key": entry.key, "stories": entry.stories, "timeline": stories })))
        })
        .await
}
