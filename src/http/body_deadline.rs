//! `server.body_timeout_secs`: a request body must have arrived in full this long after its
//! head, or the request is answered 408 and the connection closed. One deadline for the whole
//! body, not a timeout per read (as tower-http's `RequestBodyTimeoutLayer` has): a client
//! dripping a byte at a time would reset that for ever.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::{sleep, Sleep};

use super::error::ApiError;

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within server.body_timeout_secs = {0}")]
pub struct BodyTimeout(u64);

pin_project_lite::pin_project! {
    /// A body that fails with [`BodyTimeout`] once its deadline passes, and marks `expired`
    /// so that the middleware can answer for whatever handler was reading it.
    struct DeadlineBody {
        #[pin]
        inner: Body,
        #[pin]
        deadline: Sleep,
        secs: u64,
        expired: Arc<AtomicBool>,
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        // Data already here is taken first: only a body still waited for runs out of time.
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.deadline.poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout(*this.secs)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Gives the request's body a deadline `secs` from now; answers 408 if a handler ran into it.
pub async fn body_deadline(State(secs): State<u64>, req: Request, next: Next) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let (parts, inner) = req.into_parts();
    let body = Body::new(DeadlineBody {
        inner,
        deadline: sleep(Duration::from_secs(secs)),
        secs,
        expired: expired.clone(),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    if !expired.load(Ordering::Relaxed) {
        return response;
    }
    // Whatever the handler made of the failed read, the cause is the client's pace; the rest
    // of its body is unread, so the connection cannot carry another request.
    let mut response = ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "body_timeout",
        BodyTimeout(secs).to_string(),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
