//! # storyline-server: the query service
//!
//! An axum application over a story index: search, stories, related stories (of stored stories
//! and of unsaved drafts), tags, live updates behind a bearer token, health, Prometheus
//! metrics, an OpenAPI description, and the search page (static assets embedded in the
//! binary).
//!
//! Design choices, after the axum examples and Meilisearch: [`app`] builds the router apart
//! from [`serve`], so tests can drive it; handlers only parse, run the engine off the async
//! threads (`spawn_blocking`, under a per-request time limit) and return JSON; every error,
//! extractor rejections included, is one [`ApiError`] with a stable snake_case code and the
//! JSON shape `{"error": {"code", "message"}}`; internal causes are logged, never sent.
//! Updates commit before they answer, so a search that follows sees them, and a graceful
//! shutdown (SIGINT/SIGTERM) lets in-flight requests finish.

pub mod error;
pub mod params;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use error::{ApiError, ErrorCode};
pub use state::{AppState, Limits};

/// One route of the API, as `/openapi.json` describes it.
pub struct RouteDoc {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Query parameters: (name, description, JSON type).
    pub params: &'static [(&'static str, &'static str, &'static str)],
    /// Whether it needs the API token.
    pub auth: bool,
}

const SEARCH_PARAMS: &[(&str, &str, &str)] = &[
    (
        "q",
        "query: words, \"phrases\", -exclusions, OR, tag:\"…\", date:2017-12..2018-01",
        "string",
    ),
    ("tag", "required tag (repeatable)", "string"),
    ("from", "earliest day YYYY-MM-DD", "string"),
    ("to", "latest day YYYY-MM-DD", "string"),
    ("lang", "en or zh", "string"),
    ("sort", "relevance, newest or oldest", "string"),
    ("limit", "page size, 1–100", "integer"),
    ("offset", "results to skip, at most 10000", "integer"),
    ("facets", "count top tags and months", "boolean"),
];

const RELATED_PARAMS: &[(&str, &str, &str)] = &[
    ("limit", "how many, 1–100", "integer"),
    ("order", "default or site", "string"),
    (
        "explain",
        "explain each entry, and say what the list was ranked on (`basis`)",
        "boolean",
    ),
    ("older_only", "only older stories", "boolean"),
    ("same_language", "only the story's language", "boolean"),
    ("max_age_days", "only stories this close in time", "integer"),
    (
        "exclude_tag",
        "a tag that does not count (repeatable)",
        "string",
    ),
    ("text_weight", "text similarity blend weight, 0–1", "number"),
    (
        "min_suggestion_confidence",
        "for a story without usable tags: how sure a suggested tag must be to stand in, 0–1",
        "number",
    ),
];

/// The route table.
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "get",
        path: "/search",
        summary: "Search stories",
        params: SEARCH_PARAMS,
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/stories/{id}",
        summary: "A story",
        params: &[],
        auth: false,
    },
    RouteDoc {
        method: "put",
        path: "/stories/{id}",
        summary: "Add or replace a story",
        params: &[],
        auth: true,
    },
    RouteDoc {
        method: "delete",
        path: "/stories/{id}",
        summary: "Delete a story",
        params: &[],
        auth: true,
    },
    RouteDoc {
        method: "post",
        path: "/stories",
        summary: "Add or replace stories (array)",
        params: &[],
        auth: true,
    },
    RouteDoc {
        method: "get",
        path: "/stories/{id}/related",
        summary: "Related stories of a story",
        params: RELATED_PARAMS,
        auth: false,
    },
    RouteDoc {
        method: "post",
        path: "/related",
        summary: "Related stories and suggested tags for an unsaved story",
        params: &[],
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/tags",
        summary: "Tag autocomplete",
        params: &[
            ("prefix", "tag name prefix", "string"),
            ("limit", "1–100", "integer"),
        ],
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/tags/{tag}",
        summary: "A story line's timeline",
        params: &[("limit", "1–100", "integer"), ("offset", "skip", "integer")],
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/healthz",
        summary: "Health",
        params: &[],
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics",
        params: &[],
        auth: false,
    },
    RouteDoc {
        method: "get",
        path: "/openapi.json",
        summary: "This description",
        params: &[],
        auth: false,
    },
];

async fn not_found() -> ApiError {
    ApiError::not_found("no such route (see /openapi.json)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route (see /openapi.json)",
    )
}

/// The documented route a request is for: `/stories/{*id}` serves both a story and, with
/// `/related` at the end of a GET, its related stories.
fn route_doc(method: &axum::http::Method, matched: &str, path: &str) -> Option<&'static RouteDoc> {
    let method = if method == axum::http::Method::HEAD {
        "get"
    } else {
        method.as_str()
    };
    let get = method.eq_ignore_ascii_case("get");
    let documented = match matched {
        "/stories/{*id}" if get && path.ends_with("/related") => "/stories/{id}/related",
        "/stories/{*id}" => "/stories/{id}",
        other => other,
    };
    ROUTES
        .iter()
        .find(|r| r.path == documented && r.method.eq_ignore_ascii_case(method))
}

/// Rejects a query parameter the route does not take (the route table's, as `/openapi.json`
/// lists them), before the handler runs. The page and its assets are not in the table and
/// take anything.
async fn known_params(request: Request, next: Next) -> Response {
    let Some(query) = request.uri().query() else {
        return next.run(request).await;
    };
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    if let Some(doc) = matched.and_then(|m| route_doc(request.method(), m, request.uri().path())) {
        let known: Vec<&str> = doc.params.iter().map(|(name, _, _)| *name).collect();
        let route = format!("{} {}", doc.method.to_ascii_uppercase(), doc.path);
        if let Err(error) = params::Params::parse(Some(query)).only(&route, &known) {
            return error.into_response();
        }
    }
    next.run(request).await
}

/// Request ids, logs and metrics around every request.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = state.metrics.next_id();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.record(&route, status, seconds);
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    tracing::info!(request_id = id, %method, path, status, ms = seconds * 1000.0, "request");
    response
}

/// The application's router.
pub fn app(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(routes::system::page))
        .route("/app.js", get(routes::system::script))
        .route("/style.css", get(routes::system::style))
        .route("/search", get(routes::search::search))
        .route("/stories", post(routes::stories::post_stories))
        .route(
            "/stories/{*id}",
            get(routes::stories::get_story)
                .put(routes::stories::put_story)
                .delete(routes::stories::delete_story),
        )
        .route("/related", post(routes::related::for_draft))
        .route("/tags", get(routes::tags::list))
        .route("/tags/{tag}", get(routes::tags::timeline))
        .route("/healthz", get(routes::system::healthz))
        .route("/metrics", get(routes::system::metrics))
        .route("/openapi.json", get(routes::system::openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn(known_params))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Serves `state` on `addr` until SIGINT/SIGTERM; `on_ready` gets the bound address (port 0
/// picks a free port).
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}
