//! Who may read the operators' pages (`/metrics`, `/healthz`'s details): with a token configured
//! (`--ops-token`), only a request that sends it as `Authorization: Bearer TOKEN`; without one,
//! only a request from this machine. Behind a proxy on the same machine every request comes from
//! loopback, so such a shop sets a token (docs/operations.md).

use actix_web::HttpRequest;
use actix_web::http::header;

pub fn allowed(req: &HttpRequest, token: Option<&str>) -> bool {
    match token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|sent| same_secret(sent.as_bytes(), token.as_bytes())),
        None => req.peer_addr().is_some_and(|peer| peer.ip().is_loopback()),
    }
}

/// Compares every byte whatever the first difference, so the time taken tells nothing of how
/// much of a guessed token was right.
fn same_secret(sent: &[u8], token: &[u8]) -> bool {
    sent.len() == token.len()
        && sent
            .iter()
            .zip(token)
            .fold(0, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_token_is_needed_once_one_is_set_and_loopback_suffices_otherwise() {
        let local = TestRequest::default().peer_addr("127.0.0.1:9000".parse().unwrap());
        let remote = || TestRequest::default().peer_addr("203.0.113.9:9000".parse().unwrap());
        assert!(allowed(&local.to_http_request(), None));
        assert!(!allowed(&remote().to_http_request(), None));
        assert!(!allowed(&TestRequest::default().to_http_request(), None));
        let with = |sent: &str| {
            remote()
                .insert_header((header::AUTHORIZATION, sent))
                .to_http_request()
        };
        assert!(allowed(&with("Bearer s3cret-token"), Some("s3cret-token")));
        assert!(!allowed(&with("Bearer s3cret-tokem"), Some("s3cret-token")));
        assert!(!allowed(&with("Bearer s3cret"), Some("s3cret-token")));
        assert!(!allowed(&with("s3cret-token"), Some("s3cret-token")));
        let local_without = TestRequest::default().peer_addr("127.0.0.1:9000".parse().unwrap());
        assert!(
            !allowed(&local_without.to_http_request(), Some("s3cret-token")),
            "with a token set, loopback alone is not enough (a proxy is loopback too)"
        );
    }
}
