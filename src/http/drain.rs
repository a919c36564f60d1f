//! Reads the rest of a refused request's body before answering. A handler that refuses a body
//! part-way (413 for a feed over `server.body_limit_mb`) leaves the client still sending; if
//! the connection were closed with those bytes unread, the client would get a broken pipe or a
//! reset instead of the 413 that says what is wrong. Up to [`DRAIN_LIMIT`] bytes are read and
//! thrown away (within the body deadline, which wraps this); a larger body is cut off.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::Frame;
use http_body_util::BodyExt;
use parking_lot::Mutex;

/// The most bytes read after a refusal, to let the client finish and read the answer.
pub const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The request body, shared with the middleware so that it can finish reading it.
struct SharedBody(Arc<Mutex<Body>>);

impl http_body::Body for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        std::pin::Pin::new(&mut *self.0.lock()).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0.lock().size_hint()
    }
}

/// Runs the handler; after a client-error answer, reads what is left of the body.
pub async fn drain_refused(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let shared = Arc::new(Mutex::new(body));
    let response = next
        .run(Request::from_parts(
            parts,
            Body::new(SharedBody(shared.clone())),
        ))
        .await;
    if response.status().is_client_error() {
        let mut rest = std::mem::replace(&mut *shared.lock(), Body::empty());
        let mut read = 0usize;
        while read <= DRAIN_LIMIT {
            match rest.frame().await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                Some(Err(_)) | None => break,
            }
        }
    }
    response
}
