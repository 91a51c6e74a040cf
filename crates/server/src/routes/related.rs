//! Related stories of a stored story, and of an unsaved draft (`POST /related`).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use serde_json::{Value, json};
use storyline_related::{
    RankOrder, ScorerSettings, Subject, describe, describe_basis, describe_suggestions,
};
use storyline_story::{Date, Language, Story};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::routes::stories::body;
use crate::state::AppState;

/// Scorer settings of a request: the service's defaults with the query's overrides.
fn settings(params: &Params, state: &AppState) -> ApiResult<(ScorerSettings, RankOrder, bool)> {
    let mut settings = (*state.scorer).clone();
    settings.limit = params.number("limit", settings.limit, state.limits.max_limit, 1)?;
    settings.older_only |= params.flag("older_only")?;
    settings.same_language |= params.flag("same_language")?;
    if let Some(days) = params.parse_opt::<u32>("max_age_days", "a whole number of days")? {
        settings.max_age_days = Some(days);
    }
    settings.exclude_tags.extend(params.all("exclude_tag"));
    if let Some(w) = share(params, "text_weight")? {
        settings.text_weight = w;
    }
    if let Some(c) = share(params, "min_suggestion_confidence")? {
        settings.min_suggestion_confidence = c;
    }
    let order = params.parse_or("order", RankOrder::Default, "default or site")?;
    Ok((settings, order, params.flag("explain")?))
}

/// A parameter that is a number from 0 to 1, when given.
fn share(params: &Params, name: &str) -> ApiResult<Option<f32>> {
    let value = params.parse_opt::<f32>(name, "a number from 0 to 1")?;
    if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
        return Err(ApiError::parameter(name, "must be between 0 and 1"));
    }
    Ok(value)
}

/// `GET /stories/{id}/related`.
pub async fn for_story(state: AppState, id: String, params: Params) -> ApiResult<Json<Value>> {
    let (settings, order, explain) = settings(&params, &state)?;
    state
        .read(move |live| {
            let Some(ord) = live.engine.tables().ord(&id) else {
                return Err(ApiError::not_found(live.engine.tables().unknown_id(&id)));
            };
            let (items, basis) =
                live.engine
                    .related_with_basis(&live.engine.subject(ord), &settings, order);
            let list = describe(&live.engine, &items, explain);
            let title = live
                .engine
                .tables()
                .titles
                .get(ord as usize)
                .map(str::to_string);
            let mut answer = json!({ "id": id, "title": title, "related": list });
            if explain {
                answer["basis"] = json!(describe_basis(&live.engine, &basis, &settings));
            }
            Ok(Json(answer))
        })
        .await
}

/// An unsaved story: what an editor is writing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// Headline.
    pub title: String,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Day (default: the newest story's day).
    pub date: Option<Date>,
    /// Tags the editor already chose.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Language (default: detected from the title).
    pub language: Option<Language>,
    /// How many related stories.
    pub limit: Option<usize>,
    /// Explain each entry.
    #[serde(default)]
    pub explain: bool,
}

/// `POST /related`: related stories and suggested tags for an unsaved story.
pub async fn for_draft(
    State(state): State<AppState>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let draft: Draft = body(payload)?;
    if draft.title.trim().is_empty() {
        return Err(ApiError::new(
            crate::error::ErrorCode::InvalidBody,
            "title is empty",
        ));
    }
    let mut settings = (*state.scorer).clone();
    if let Some(limit) = draft.limit {
        if limit == 0 || limit > state.limits.max_limit {
            return Err(ApiError::new(
                crate::error::ErrorCode::InvalidBody,
                format!("limit must be between 1 and {}", state.limits.max_limit),
            ));
        }
        settings.limit = limit;
    }
    state
        .read(move |live| {
            let tables = live.engine.tables();
            let day = draft
                .date
                .map(Date::days_since_epoch)
                .or_else(|| tables.days.last().copied())
                .unwrap_or(0);
            let mut story = Story::new(
                "draft",
                Date::from_days_since_epoch(day),
                draft.title.clone(),
            );
            story.summary = draft.summary.clone();
            if let Some(language) = draft.language {
                story.language = language;
            }
            let normalizer = live.index.normalizer();
            let tags = draft
                .tags
                .iter()
                .filter_map(|t| tables.tag_id(&normalizer.key(t)))
                .collect();
            let subject = Subject {
                ord: None,
                day,
                language: story.language,
                vector: tables.vector_of(&story),
                tags,
            };
            let (items, basis) =
                live.engine
                    .related_with_basis(&subject, &settings, RankOrder::Default);
            let related = describe(&live.engine, &items, draft.explain);
            let suggested = describe_suggestions(
                &live.engine,
                &live.engine.suggest_tags(&subject, &settings, 5),
            );
            let mut answer = json!({ "related": related, "suggested_tags": suggested });
            if draft.explain {
                answer["basis"] = json!(describe_basis(&live.engine, &basis, &settings));
            }
            Ok(Json(answer))
        })
        .await
}
