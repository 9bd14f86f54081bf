//! The accept loop (hyper's HTTP/1 server under our control, where `axum::serve` offers no
//! limits): a client has [`Limits::header_timeout`] to send a request's headers, and an idle
//! keep-alive connection is closed after the same time (hyper starts that timer as soon as it
//! waits for the next request); at most [`Limits::max_connections`] connections are served at
//! once, and one beyond is closed as soon as it is accepted. On stopping, no connection is
//! accepted any more, idle ones close, and requests in flight finish.

use std::sync::Arc;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::Limits;
use crate::metrics::Metrics;

/// The most bytes hyper buffers for a request head; our own, smaller limits
/// ([`crate::edge::MAX_URI_BYTES`], [`crate::edge::MAX_HEADER_BYTES`]) answer problem+json first.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Hyper's own cap on header fields (answered 431 without a body); ours is lower.
const HYPER_MAX_HEADERS: usize = 2 * crate::edge::MAX_HEADERS;

/// Serves `app` on `listener` until `stop` completes, then waits for every connection to end.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    metrics: Arc<Metrics>,
    stopping: watch::Receiver<bool>,
    stop: impl Future<Output = ()>,
) {
    let builder = builder(limits);
    let capacity = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(capacity));
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => { accept_failed(error).await; continue }
            },
            () = &mut stop => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the cap: closed at once rather than queued, so a flood costs us nothing.
            metrics.connections_refused.inc();
            drop(stream);
            continue;
        };
        let connection = Connection { permit, metrics: metrics.clone() };
        tokio::spawn(serve_one(builder.clone(), stream, app.clone(), stopping.clone(), connection));
    }
    drop(listener);
    // Each connection holds a permit until it ends: all of them back means all ended.
    let _all = permits.acquire_many(u32::try_from(capacity).unwrap_or(u32::MAX)).await;
}

fn builder(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(HYPER_MAX_HEADERS);
    builder
}

/// A served connection: its permit, and the open-connections gauge while it lives.
struct Connection {
    permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

async fn serve_one(
    builder: http1::Builder,
    stream: TcpStream,
    app: Router,
    stopping: watch::Receiver<bool>,
    connection: Connection,
) {
    connection.metrics.connections_open.inc();
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(served);
    let ended = tokio::select! {
        ended = served.as_mut() => ended,
        () = stopped(stopping) => {
            // Idle: closes now; busy: after its response (event streams end on `stopping`).
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(error) = ended {
        tracing::debug!(%error, "a connection ended with an error");
    }
    connection.metrics.connections_open.dec();
    drop(connection.permit);
}

/// Completes once the server begins to stop.
async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

/// Accepting failed: a connection that went before it was accepted is nothing; anything else
/// (out of file descriptors) is logged and retried after a pause, as `axum::serve` does.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}
