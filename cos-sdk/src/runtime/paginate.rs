//! The runtime half of paginators and waiters: the page loop, resume tokens, and the waiter's
//! acceptor matching. Generated code supplies plain functions; the loops live here once.

use crate::runtime::error::{Error, ErrorKind};
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A boxed, sendable future: what a generated page fetch returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What paginators return: pages or items, each a `Result`, ending after the first error. Read it with
/// [`next`](ResultStream::next) or [`try_collect`](ResultStream::try_collect), no trait import needed;
/// it is also a `futures::Stream` for stream adapters.
pub struct ResultStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'static>>,
}

impl<T> ResultStream<T> {
    fn new(stream: impl Stream<Item = Result<T, Error>> + Send + 'static) -> ResultStream<T> {
        ResultStream { inner: Box::pin(stream) }
    }

    /// The next page or item, or `None` after the last one (or after an error).
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }

    /// Every page or item, in order, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(result) = self.next().await {
            all.push(result?);
        }
        Ok(all)
    }
}

impl<T> Stream for ResultStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        self.get_mut().inner.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for ResultStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResultStream")
    }
}

/// The tokens that lead from one page to the next, as text (`None` where a token is absent).
pub type PageTokens = Vec<Option<String>>;

/// What a page says of the pages after it: whether more follow (`None` when the operation's answer has
/// no member that says so), and the tokens that ask for the next one.
pub type PageLink = (Option<bool>, PageTokens);

/// The tokens that ask for the page after one that says `link`, or `None` after the last page. A page
/// that says more follow but gives no token is an error: ending the listing there would pass off part
/// of it as the whole.
pub fn next_page((more, tokens): PageLink) -> Result<Option<PageTokens>, Error> {
    let has_token = tokens.iter().any(Option::is_some);
    match more {
        Some(false) => Ok(None),
        Some(true) if !has_token => Err(Error::new(
            ErrorKind::ResponseParse,
            "the service said more results follow but gave no token to ask for them with, so the listing is \
             incomplete; the service is misbehaving: report it, or list a narrower prefix",
        )),
        _ if has_token => Ok(Some(tokens)),
        _ => Ok(None),
    }
}

/// The token that resumes a listing after a page that says `link`, `None` after the last page; the
/// error of `next_page` for a page that says more follow without a token.
pub fn resume_token(link: PageLink) -> Result<Option<String>, Error> {
    Ok(next_page(link)?.map(|tokens| encode_resume_token(&tokens)))
}

/// Pages through an operation: fetch a page, read its next tokens, put them into the next input.
/// Stops after the last page or the first error. A next token seen before in the same pagination is an
/// error: a server that sends A, B, A, ... (or the same token twice) would otherwise loop forever. So is
/// a page that says more follow without a token (`next_page`); that page is yielded first.
pub fn paginate<C, B, O>(
    client: C,
    first: B,
    fetch: fn(C, B) -> BoxFuture<Result<O, Error>>,
    next_tokens: fn(&O) -> PageLink,
    with_tokens: fn(B, &[Option<String>]) -> Result<B, Error>,
) -> ResultStream<O>
where
    C: Clone + Send + 'static,
    B: Clone + Send + 'static,
    O: Send + 'static,
{
    // The state is the next request, or an error to end the stream with after the page before it.
    let start: Option<Result<(C, B, SeenTokens), Error>> = Some(Ok((client, first, SeenTokens::default())));
    ResultStream::new(futures_util::stream::unfold(start, move |state| async move {
        let (client, input, mut seen) = match state? {
            Ok(next) => next,
            Err(error) => return Some((Err(error), None)),
        };
        match fetch(client.clone(), input.clone()).await {
            Err(error) => Some((Err(error), None)),
            Ok(page) => match next_page(next_tokens(&page)) {
                Ok(None) => Some((Ok(page), None)),
                Err(error) => Some((Ok(page), Some(Err(error)))),
                Ok(Some(tokens)) if !seen.insert(&tokens) => Some((
                    Err(Error::new(
                        ErrorKind::ResponseParse,
                        format!(
                            "the service returned a continuation token it had already returned in this listing (after \
                             {} pages); stopping to avoid an endless listing. The service is misbehaving: report it, \
                             or list a narrower prefix",
                            seen.len() + 1
                        ),
                    )),
                    None,
                )),
                // The tokens are the text of the page's own typed members, so they read back; were
                // one not to, the page still counts and the error follows it.
                Ok(Some(tokens)) => {
                    let next = with_tokens(input, &tokens).map(|next| (client, next, seen));
                    Some((Ok(page), Some(next)))
                }
            },
        }
    }))
}

/// The continuation tokens one pagination has followed, kept as 64-bit hashes so that a listing of a
/// million pages costs megabytes, not the tokens' text.
#[derive(Default)]
struct SeenTokens(std::collections::HashSet<u64>);

impl SeenTokens {
    /// Records `tokens`; false when they were seen before.
    fn insert(&mut self, tokens: &[Option<String>]) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        tokens.hash(&mut hasher);
        self.0.insert(hasher.finish())
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The items of every page, stopping after `max_items` when given.
pub fn page_items<O, T>(pages: ResultStream<O>, items_of: fn(O) -> Vec<T>, max_items: Option<usize>) -> ResultStream<T>
where
    O: Send + 'static,
    T: Send + 'static,
{
    use futures_util::StreamExt;
    let items = pages.flat_map(move |page| {
        let batch: Vec<Result<T, Error>> = match page {
            Ok(page) => items_of(page).into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        futures_util::stream::iter(batch)
    });
    ResultStream::new(items.take(max_items.unwrap_or(usize::MAX)))
}

/// Encodes page tokens as one opaque, URL-safe string.
fn encode_resume_token(tokens: &[Option<String>]) -> String {
    let mut joined = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            joined.push('\n');
        }
        if let Some(t) = token {
            joined.push('=');
            joined.push_str(t);
        }
    }
    crate::runtime::protocol::scalars::base64_encode(joined.as_bytes())
}

/// Decodes a token made by `encode_resume_token` with `count` entries.
pub fn decode_resume_token(token: &str, count: usize) -> Result<PageTokens, Error> {
    let invalid = || Error::invalid_input("the resume token is not one a paginator of this operation produced");
    let bytes = crate::runtime::protocol::scalars::base64_decode(token).ok_or_else(invalid)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let tokens: PageTokens = text
        .split('\n')
        .map(|part| part.strip_prefix('=').map(str::to_string))
        .collect();
    if tokens.len() != count {
        return Err(invalid());
    }
    Ok(tokens)
}

/// The error of a resume token whose entries do not read as their members (one edited by hand).
pub fn bad_resume_token(error: Error) -> Error {
    Error::invalid_input(format!("the resume token does not fit this operation: {}", error.message()))
}

/// What an acceptor decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiterState {
    /// The resource reached the state: stop waiting.
    Success,
    /// Not yet: try again after the delay.
    Retry,
    /// The resource will not reach the state: stop with an error.
    Failure,
}

/// A waiter acceptor: an HTTP status or an error code, and what it means.
#[derive(Debug, Clone, Copy)]
pub enum WaiterAcceptor {
    /// Matches the response status.
    Status(u16, WaiterState),
    /// Matches the error code of an error response.
    Error(&'static str, WaiterState),
}

/// One step of a waiter: `Some(())` on success, `None` to try again, or the error that ends it.
pub fn waiter_step(
    name: &str,
    acceptors: &[WaiterAcceptor],
    status: u16,
    result: Result<(), Error>,
    attempt: u32,
    max_attempts: u32,
) -> Result<Option<()>, Error> {
    let code = result.as_ref().err().and_then(Error::code);
    let state = acceptors.iter().find_map(|a| match *a {
        WaiterAcceptor::Status(s, state) if s == status => Some(state),
        WaiterAcceptor::Error(c, state) if Some(c) == code => Some(state),
        _ => None,
    });
    match (state, result) {
        (Some(WaiterState::Success), _) => Ok(Some(())),
        (Some(WaiterState::Failure), result) => Err(Error::new(
            ErrorKind::Service,
            format!("waiter {name} reached a failure state (HTTP {status})"),
        )
        .with_source(result.err().map(|e| e.to_string()).unwrap_or_else(|| "the response matched a failure acceptor".into()))),
        (None, Err(error)) => Err(error),
        (Some(WaiterState::Retry), _) | (None, Ok(())) if attempt >= max_attempts => Err(Error::new(
            ErrorKind::Timeout,
            format!("waiter {name} gave up after {attempt} attempts; raise max_attempts or the delay to wait longer"),
        )),
        _ => Ok(None),
    }
}

/// Sleeps on the tokio timer.
pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_tokens_round_trip() {
        let tokens = vec![Some("key/with\u{e9}".to_string()), None, Some(String::new())];
        let encoded = encode_resume_token(&tokens);
        assert_eq!(decode_resume_token(&encoded, 3).unwrap(), tokens);
        assert!(decode_resume_token(&encoded, 2).is_err());
        assert!(decode_resume_token("***", 1).is_err());
    }

    /// A fake service whose pages carry the tokens of `script` in turn (`None` ends the listing).
    fn scripted(script: &'static [Option<&'static str>]) -> ResultStream<Option<String>> {
        fn fetch(
            calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
            script: &'static [Option<&'static str>],
        ) -> BoxFuture<Result<Option<String>, Error>> {
            let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move { Ok(script.get(call).copied().flatten().map(str::to_string)) })
        }
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        paginate(calls, script, fetch, |page| (None, vec![page.clone()]), |input, _| Ok(input))
    }

    async fn pages_until_error(script: &'static [Option<&'static str>]) -> (usize, Option<Error>) {
        let mut pages = scripted(script);
        let mut ok = 0;
        while let Some(page) = pages.next().await {
            match page {
                Ok(_) => ok += 1,
                Err(e) => return (ok, Some(e)),
            }
        }
        (ok, None)
    }

    #[test]
    fn a_page_that_says_more_follow_needs_a_token() {
        let token = || vec![None, Some("t".to_string())];
        assert_eq!(next_page((Some(true), token())).unwrap(), Some(token()));
        assert_eq!(next_page((None, token())).unwrap(), Some(token()));
        // The page's own word ends the listing, whatever tokens it carries.
        assert_eq!(next_page((Some(false), token())).unwrap(), None);
        // Without a member that says so, no token is the end; with one that says more follow, an error.
        assert_eq!(next_page((None, vec![None, None])).unwrap(), None);
        let error = next_page((Some(true), vec![None, None])).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ResponseParse);
        assert!(error.to_string().contains("incomplete"), "{error}");
        assert!(resume_token((Some(true), vec![None])).is_err());
        assert_eq!(resume_token((Some(false), token())).unwrap(), None);
        assert_eq!(resume_token((Some(true), token())).unwrap().map(|t| decode_resume_token(&t, 2).unwrap()), Some(token()));
    }

    #[test]
    fn any_repeated_token_ends_the_listing() {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(any_repeated_token_ends_the_listing_on_a_runtime());
    }

    async fn any_repeated_token_ends_the_listing_on_a_runtime() {
        // A, B, A, B, ... forever: the third page repeats A and ends it.
        let (ok, error) = pages_until_error(&[Some("A"), Some("B"), Some("A"), Some("B"), Some("A"), Some("B")]).await;
        assert_eq!(ok, 2);
        let error = error.expect("a cycle is an error");
        assert_eq!(error.kind(), ErrorKind::ResponseParse);
        assert!(error.to_string().contains("already returned"), "{error}");
        // The same token back to back.
        let (ok, error) = pages_until_error(&[Some("A"), Some("A")]).await;
        assert_eq!((ok, error.is_some()), (1, true));
        // Distinct tokens, then the end: every page, no error.
        assert_eq!(pages_until_error(&[Some("A"), Some("B"), Some("C"), None]).await.0, 4);
    }

    #[test]
    fn waiter_steps() {
        let acceptors = [WaiterAcceptor::Status(200, WaiterState::Success), WaiterAcceptor::Status(404, WaiterState::Retry)];
        assert_eq!(waiter_step("W", &acceptors, 200, Ok(()), 1, 3).unwrap(), Some(()));
        let not_found = || Err(Error::service(crate::runtime::error::ServiceError::new(404, "NotFound")));
        assert_eq!(waiter_step("W", &acceptors, 404, not_found(), 1, 3).unwrap(), None);
        let gave_up = waiter_step("W", &acceptors, 404, not_found(), 3, 3).unwrap_err();
        assert_eq!(gave_up.kind(), ErrorKind::Timeout);
        let other = waiter_step("W", &acceptors, 500, Err(Error::service(crate::runtime::error::ServiceError::new(500, "InternalError"))), 1, 3);
        assert_eq!(other.unwrap_err().code(), Some("InternalError"));
    }
}
