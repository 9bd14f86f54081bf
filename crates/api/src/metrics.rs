//! Prometheus metrics at `/metrics`: requests by method, route and status, request latency,
//! connections, events appended, store errors. Every label comes from a fixed set (a method
//! outside the usual ones is `other`, a path no route matches is `unmatched`), so no client can
//! add series.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pub events_appended: IntCounter,
    pub store_errors: IntCounter,
    pub connections_open: IntGauge,
    /// Connections closed at once because [`crate::Limits::max_connections`] were open.
    pub connections_refused: IntCounter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("tranche_http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let buckets = vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0, 5.0];
        let latency = HistogramVec::new(
            HistogramOpts::new("tranche_http_request_duration_seconds", "HTTP request latency").buckets(buckets),
            &["method", "route"],
        )
        .expect("valid metric");
        let events_appended =
            IntCounter::new("tranche_events_appended_total", "Events appended to the log").expect("valid metric");
        let store_errors = IntCounter::new("tranche_store_errors_total", "Store failures").expect("valid metric");
        let connections_open =
            IntGauge::new("tranche_http_connections_open", "HTTP connections open").expect("valid metric");
        let connections_refused =
            IntCounter::new("tranche_http_connections_refused_total", "Connections closed at the connection cap")
                .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(events_appended.clone()),
            Box::new(store_errors.clone()),
            Box::new(connections_open.clone()),
            Box::new(connections_refused.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Metrics { registry, requests, latency, events_appended, store_errors, connections_open, connections_refused }
    }

    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer).expect("text encoding");
        String::from_utf8(buffer).expect("text")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// The method as a label: one of a fixed set, so made-up methods cannot add series.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times every request, labelled by its method's label, its route pattern (never
/// the raw path) and its status.
pub async fn track(State(state): State<crate::AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    state.metrics.requests.with_label_values(&[method, &route, &status]).inc();
    state.metrics.latency.with_label_values(&[method, &route]).observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(state): State<crate::AppState>) -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
