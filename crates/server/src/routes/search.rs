//! `GET /search`.

use axum::Json;
use axum::extract::{RawQuery, State};
use storyline_index::{SearchRequest, SearchResults, Sort};
use storyline_story::{Date, Language};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// The search request a query string describes, validated against the limits.
pub fn search_request(params: &Params, state: &AppState) -> ApiResult<SearchRequest> {
    let limits = &state.limits;
    let query = params.get("q").unwrap_or_default().to_string();
    if query.chars().count() > limits.max_query_chars {
        return Err(ApiError::parameter(
            "q",
            format!("longer than {} characters", limits.max_query_chars),
        ));
    }
    let tags = params
        .all("tag")
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .collect();
    Ok(SearchRequest {
        query,
        tags,
        from: params.parse_opt::<Date>("from", "a date like 2017-12-11")?,
        to: params.parse_opt::<Date>("to", "a date like 2017-12-11")?,
        language: params.parse_opt::<Language>("lang", "en or zh")?,
        sort: params.parse_or("sort", Sort::Relevance, "relevance, newest or oldest")?,
        limit: params.number("limit", 10, limits.max_limit, 1)?,
        offset: params.number("offset", 0, limits.max_offset, 0)?,
        facets: params.flag("facets")?,
    })
}

/// Searches stories: hits with highlighted titles and snippets, total, facets, notices, `took_ms`.
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<SearchResults>> {
    let params = Params::parse(raw.as_deref());
    let request = search_request(&params, &state)?;
    let results = state
        .read(move |live| Ok(live.index.search(&request)?))
        .await?;
    Ok(Json(results))
}
